// Public entry point "hotpatch-playground/engine": the hotpatch transaction (apply a patch image to a
// running program and roll it back, all or nothing), the redirect planner, the patch image parser, and
// the timeline runner that applies patches at moments of a run. Everything else in engine/ is private.
export { Hotpatcher, type HotpatcherOptions, type Planner } from './host/transaction.ts';
export type {
  AppliedTransaction, RefusedTransaction, TransactionRefusalCode, TransactionResult, WaitingTransaction,
} from './host/transaction-result.ts';
export type { JournalStep, StepAction, StepStage } from './host/journal.ts';
export { planRedirect } from './host/redirect.ts';
export type {
  DisplacedInstruction, PlanResult, PlanStep, RedirectMode, RedirectPlan, RedirectRefusal, RedirectRequest, RefusalCode, StepKind,
} from './host/plan.ts';
export {
  MAX_IMAGE_BYTES, parsePatchImage, type ImageBaseReference, type ImageImport, type ImageRedirect, type ImageRegion,
  type ImageRelocation, type PatchImage, type PatchImageError, type PatchImageErrorCode, type PatchImageResult,
} from './host/patch-image.ts';
export {
  applyWhenSafe, MAX_WAIT_STEPS, runTimeline, runToMoment, type EventRecord, type MomentOutcome, type PatchAction,
  type SafeOutcome, type TimelineAction, type TimelineEvent, type TimelineHooks, type WaitOptions,
} from './host/timeline.ts';
export { describeMoment, type PatchMoment } from '../core/timeline.ts';
export type { Arch } from '../core/arch.ts';
export type { GuestModule, ModuleSymbol } from '../core/module.ts';
