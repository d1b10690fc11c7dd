// Everything a link has to reproduce: the sources, the architecture, the example they came from,
// and what the page shows. One store; views subscribe to it.
import type { Arch } from '../../../core/arch.ts';

export interface SourceFile {
  name: string;
  text: string;
}

/** A patch source; `builtAgainst` is another build of the module it patches, to build it against
 * instead of the loaded one (the engine then refuses it: the build identities differ). */
export interface PatchFile extends SourceFile {
  builtAgainst?: SourceFile;
}

export type Pane = 'program' | 'patch';

export interface ViewState {
  /** Editor tab: index into `files`, or -1 - i for patch i. */
  editor: number;
  pane: Pane;
  /** Whether the examples gallery is open. */
  gallery: boolean;
}

export interface LabState {
  arch: Arch;
  /** The example the sources started from (they may have been edited since). */
  example?: string;
  /** Base program modules, in load order. */
  files: SourceFile[];
  /** Patch sources, in the order they are meant to be applied (at least one). */
  patches: PatchFile[];
  view: ViewState;
}

export type Listener = (state: LabState, previous: LabState) => void;

export class LabStore {
  private listeners = new Set<Listener>();

  constructor(private current: LabState) {}

  get state(): LabState {
    return this.current;
  }

  update(change: Partial<LabState> | ((state: LabState) => Partial<LabState>)): void {
    const previous = this.current;
    const patch = typeof change === 'function' ? change(previous) : change;
    this.current = { ...previous, ...patch };
    for (const listener of this.listeners) listener(this.current, previous);
  }

  updateView(change: Partial<ViewState>): void {
    this.update((state) => ({ view: { ...state.view, ...change } }));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const DEFAULT_VIEW: ViewState = { editor: 0, pane: 'program', gallery: false };

export function emptyPatch(arch: Arch): PatchFile {
  const comment = arch === 'x64' ? ';' : '//';
  return { name: 'patch.s', text: `${comment} Write a patch here, or pick an example that has one.\n` };
}

export function patchIndex(editor: number): number | undefined {
  return editor < 0 ? -1 - editor : undefined;
}
