// Run, pause, step, step over, reset, speed and budget, enabled according to what the lab can do.
import { byId, explain } from '../dom.ts';
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
  private readonly budgetProblem = byId('budget-problem');
  private last: Parameters<RunControls['update']> = ['empty', undefined, false];

  constructor(perform: (action: Action) => void, onSpeedChange: () => void) {
    this.run.addEventListener('click', () => perform('run'));
    this.step.addEventListener('click', () => perform('step'));
    this.stepOver.addEventListener('click', () => perform('step-over'));
    this.reset.addEventListener('click', () => perform('reset'));
    this.speed.addEventListener('change', onSpeedChange);
    this.budget.addEventListener('input', () => this.update(...this.last));
    this.update('empty', undefined, false);
  }

  /** What is wrong with the budget typed in, if anything. */
  private get budgetError(): string | undefined {
    const text = this.budget.value.trim();
    return /^[0-9]+$/.test(text) && Number(text) >= 1 ? undefined : 'the budget must be a whole number of instructions, at least 1';
  }

  get settings(): RunSettings {
    return { speed: Number(this.speed.value), budget: this.budgetError ? 10_000_000 : Number(this.budget.value.trim()),
      landingPads: { enforce: this.enforcePads.checked, keep: this.keepPads.checked } };
  }

  /**
   * `midTransaction`: a transaction is half replayed, and the guest waits for it; `budgetSpent`: only Reset goes on;
   * `stale`: the sources were edited since the program was loaded (Run, Step and Reset load them).
   */
  update(state: RunState, cpu: CpuStatus | undefined, loaded: boolean, midTransaction = false, budgetSpent = false, stale = false): void {
    this.last = [state, cpu, loaded, midTransaction, budgetSpent, stale];
    const budgetError = this.budgetError;
    const why = cpu === undefined ? 'the program is being loaded'
      : !cpu.available ? cpu.reason
        : !loaded ? 'the program does not assemble: fix the sources first'
          : budgetError ? budgetError
            : midTransaction ? 'finish stepping through the transaction first (Next step or Finish, in the patch view)'
              : budgetSpent ? 'the instruction budget is used up: Reset (\u21E7F8) starts over with a new budget' : undefined;
    const canRun = why === undefined;
    // While a guest runs the button pauses it, whatever the editor holds now.
    const running = state === 'running';
    this.run.querySelector('.label')!.textContent = budgetSpent && !running ? 'Budget used' : RUN_LABEL[state];
    this.run.classList.toggle('running', running);
    this.run.disabled = !canRun && !(running && cpu?.available === true);
    const stepping = canRun && !running && state !== 'exited' && state !== 'failed';
    this.step.disabled = !stepping;
    this.stepOver.disabled = !stepping;
    this.reset.disabled = !loaded || budgetError !== undefined;
    const stepWhy = why ?? (running ? 'pause the program first' : state === 'exited' || state === 'failed' ? 'the program has ended: Reset starts it again' : undefined);
    const describedBy = budgetError && why === budgetError ? 'budget-problem' : 'run-state';
    explain(this.run, why, describedBy);
    explain(this.step, stepWhy, describedBy);
    explain(this.stepOver, stepWhy, describedBy);
    explain(this.reset, !loaded ? why : budgetError, describedBy);
    if (stale && !this.run.disabled && !running) this.run.title = 'The sources changed since the program was loaded: Run starts the edited program from its entry';
    this.budget.setCustomValidity(budgetError ? `${budgetError[0]!.toUpperCase()}${budgetError.slice(1)}.` : '');
    this.budget.setAttribute('aria-invalid', String(budgetError !== undefined));
    this.budgetProblem.textContent = budgetError ? `${budgetError[0]!.toUpperCase()}${budgetError.slice(1)}.` : '';
    this.cpuNotice.hidden = cpu === undefined || cpu.available;
    this.cpuNotice.textContent = cpu && !cpu.available ? cpu.reason : '';
  }

  showStatus(text: string): void {
    this.status.textContent = text;
  }
}
