// Run, pause, step, step over, reset, speed and budget, enabled according to what the lab can do.
import { byId } from '../dom.ts';
import type { CpuStatus, RunSettings, RunState } from '../lab/protocol.ts';
import type { Action } from '../shortcuts.ts';

const RUN_LABEL: Record<RunState, string> = {
  empty: 'Run', ready: 'Run', paused: 'Continue', running: 'Pause', exited: 'Run again', failed: 'Run again',
};

export class RunControls {
  private readonly run = byId<HTMLButtonElement>('run');
  private readonly step = byId<HTMLButtonElement>('step');
  private readonly stepOver = byId<HTMLButtonElement>('step-over');
  private readonly reset = byId<HTMLButtonElement>('reset');
  private readonly speed = byId<HTMLSelectElement>('speed');
  private readonly budget = byId<HTMLInputElement>('budget');
  private readonly status = byId('run-state');
  private readonly cpuNotice = byId('cpu-notice');
  private readonly enforcePads = byId<HTMLInputElement>('enforce-pads');
  private readonly keepPads = byId<HTMLInputElement>('keep-pads');

  constructor(perform: (action: Action) => void, onSpeedChange: () => void) {
    this.run.addEventListener('click', () => perform('run'));
    this.step.addEventListener('click', () => perform('step'));
    this.stepOver.addEventListener('click', () => perform('step-over'));
    this.reset.addEventListener('click', () => perform('reset'));
    this.speed.addEventListener('change', onSpeedChange);
    this.update('empty', undefined, false);
  }

  get settings(): RunSettings {
    const budget = Math.floor(Number(this.budget.value));
    return { speed: Number(this.speed.value), budget: Number.isFinite(budget) && budget > 0 ? budget : 10_000_000,
      landingPads: { enforce: this.enforcePads.checked, keep: this.keepPads.checked } };
  }

  /** `midTransaction`: a transaction is half replayed, and the guest waits for it; `budgetSpent`: only Reset goes on. */
  update(state: RunState, cpu: CpuStatus | undefined, loaded: boolean, midTransaction = false, budgetSpent = false): void {
    const canRun = cpu?.available === true && loaded && !midTransaction && !budgetSpent;
    this.run.querySelector('.label')!.textContent = RUN_LABEL[state];
    this.run.classList.toggle('running', state === 'running');
    this.run.disabled = !canRun;
    const stepping = canRun && state !== 'running' && state !== 'exited' && state !== 'failed';
    this.step.disabled = !stepping;
    this.stepOver.disabled = !stepping;
    this.reset.disabled = !loaded;
    this.cpuNotice.hidden = cpu === undefined || cpu.available;
    this.cpuNotice.textContent = cpu && !cpu.available ? cpu.reason : '';
  }

  showStatus(text: string): void {
    this.status.textContent = text;
  }
}
