// The benchmarks, each a function that returns printed lines.
import { arm64Decoder, arm64RedirectPlanning } from './arm64.ts';
import { editToLive } from './edit.ts';
import { embedLoading } from './embed.ts';
import { hotpatchApply } from './hotpatch.ts';
import { playgroundFirstVisit } from './first-visit.ts';
import { playgroundLoading } from './playground.ts';
import { cpuCorpus, cpuStopLatency, cpuTightLoop } from './wasm-cpu.ts';
import { x64DecoderThroughput } from './x64-decoder.ts';
import { x64RedirectPlanning } from './x64-redirect.ts';

export const figures: (() => Promise<string[]>)[] = [
  cpuTightLoop, cpuCorpus, cpuStopLatency, x64DecoderThroughput, x64RedirectPlanning, arm64Decoder, arm64RedirectPlanning, hotpatchApply, editToLive,
  playgroundLoading, playgroundFirstVisit, embedLoading,
];
