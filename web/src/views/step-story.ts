// Each journal step in plain words, for a reader who has never seen a hotpatch: what just happened
// and why it matters. The engine's own explanation (exact addresses and encodings) is shown next to it.
import type { TransactionStepView, TransactionView } from '../lab/protocol.ts';

/** The function a redirect replaces and the one it goes to, by their short names. */
function names(view: TransactionView): { old: string; new: string } {
  const redirect = view.redirects[0];
  const short = (name: string | undefined) => name?.split('!').at(-1);
  return { old: short(redirect?.targetName) ?? 'the old function', new: short(redirect?.replacementName) ?? 'the new code' };
}

export function plainStory(step: TransactionStepView, view: TransactionView): string {
  const fn = names(view);
  const rollback = view.action === 'rollback';
  switch (step.stage) {
    case 'identity':
      return 'Before touching anything, the engine checks that the running program is exactly the build the patch was ' +
        'made for (same SHA-256 digest). A patch for another build could jump into the wrong instructions.';
    case 'safe-point':
      return 'The program is frozen between two instructions. The engine checks where every thread stands: none may be ' +
        'in the middle of the bytes about to change, or it would run half-old, half-new code.';
    case 'map-code':
      return rollback
        ? 'The code of the patch that becomes live again is put back in memory, byte for byte as it was.'
        : `The new code (${fn.new}) is copied into fresh memory next to the program. Nothing calls it yet: the program still runs as before.`;
    case 'map-data':
      return 'The patch\'s own data (its variables and address slots) gets memory of its own.';
    case 'map-trampolines':
      return 'Room is reserved for trampolines: small pieces of code that let the new function still call the original one.';
    case 'slot':
      return 'An address the new code needs (a function or variable of the running program) is written into its slot, ' +
        'so the new code finds it where it is loaded now.';
    case 'trampoline':
      return `A trampoline is written: the first instructions of ${fn.old} (the ones the jump will cover), followed by a ` +
        `jump back into the rest of ${fn.old}. Calling it runs the original function unchanged.`;
    case 'padding-jump':
      return 'A long jump to the new code is written into the unused bytes just before the function: the entry itself ' +
        'only has room for a short jump, which will lead there.';
    case 'entry-jump': {
      // Over a live patch, the entry already holds that patch's jump (or its original bytes, if it left this function alone).
      const over = !rollback && view.previous !== null && view.previous !== undefined ? view.previous : undefined;
      const written = over === undefined
        ? `The first instruction of ${fn.old} is overwritten with a jump to ${fn.new}.`
        : `The entry of ${fn.old} gets a jump to ${fn.new}, in place of what patch ${over} left there.`;
      return `This is the moment the patch takes effect. ${written} Every call from now on lands on the jump and runs the ` +
        'new code' + (view.redirects[0]?.mode === 'hook'
        ? `, which can still run the original ${fn.old} through the trampoline.`
        : over === undefined ? '; the old body stays in memory, unreached.' : '.');
    }
    case 'flush-icache':
      return 'The processor may still hold the old instructions in its instruction cache; flushing it makes every core ' +
        'fetch the new bytes.';
    case 'restore':
      return view.sequence === null || view.sequence === undefined
        ? 'The original first bytes are written back over the jump: calls reach the original code again.'
        : `The bytes this entry had before patch ${view.previous ?? ''} are written back: calls go where patch ` +
          `${view.sequence} sent them, or to the original code if patch ${view.sequence} left this function alone.`;
    case 'unmap':
      return 'The memory of the patch that is no longer live is released.';
    default:
      return '';
  }
}

/** What a patch that does not build means. */
export const NOT_BUILT_STORY = 'The patch source does not assemble, so there is nothing to apply: fix the line named above. ' +
  'Nothing was written: the program goes on running its old code.';

/** What a refusal means, whatever its reason. */
export const REFUSAL_STORY = 'The engine checks a patch completely before it writes a single byte. This one failed a ' +
  'check, so nothing was written: the program goes on running its old code, exactly as before.';

/** Shown before any patch is applied. */
export const INTRO_STORY = 'A hotpatch replaces a function while the program keeps running: the new code is loaded next ' +
  'to the old, and the old function\'s first instruction becomes a jump to it. Press Apply (F6) to do it at once, or ' +
  '"Apply step by step" to follow the engine one step at a time.';
