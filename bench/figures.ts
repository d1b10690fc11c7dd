// The benchmarks, each a function that returns printed lines.
import { arm64Decoder, arm64RedirectPlanning } from './arm64.ts';
import { playgroundLoading } from './playground.ts';
import { unicornTightLoop } from './unicorn.ts';
import { x64DecoderThroughput } from './x64-decoder.ts';

export const figures: (() => Promise<string[]>)[] = [unicornTightLoop, x64DecoderThroughput, arm64Decoder, arm64RedirectPlanning, playgroundLoading];
