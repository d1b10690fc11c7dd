// The patch, step by step: apply at once or one journal step at a time, step back, roll back, and
// the refusal of a bad patch. Patches are applied by the engine's transaction inside the lab.
import { byId } from '../dom.ts';
import type { LabSession } from '../lab/lab-session.ts';
import type { CpuStatus } from '../lab/protocol.ts';
import type { LabStore } from '../state/lab-state.ts';

/** Why patches cannot be applied in this build, or undefined when they can. */
const PATCHING_UNAVAILABLE: string | undefined =
  'Applying patches needs the hotpatch transaction of the engine, which this build does not include yet. '
  + 'The patch source can be written and shared already.';

export class PatchPane {
  private readonly notice = byId('patch-notice');
  private readonly buttons = ['apply', 'apply-stepwise', 'patch-back', 'patch-forward', 'rollback']
    .map((id) => byId<HTMLButtonElement>(id));

  constructor(private readonly session: LabSession, private readonly store: LabStore) {
    byId('apply').addEventListener('click', () => void this.apply(false));
    byId('apply-stepwise').addEventListener('click', () => void this.apply(true));
    this.setCpu(undefined, false);
  }

  setCpu(cpu: CpuStatus | undefined, loaded: boolean): void {
    const reason = PATCHING_UNAVAILABLE ?? (cpu && !cpu.available ? cpu.reason : undefined);
    this.notice.textContent = reason ?? '';
    for (const button of this.buttons) button.disabled = reason !== undefined || !loaded;
  }

  async apply(_stepwise: boolean): Promise<void> {
    if (PATCHING_UNAVAILABLE) {
      this.notice.textContent = PATCHING_UNAVAILABLE;
      return;
    }
    void this.session;
    void this.store;
  }
}
