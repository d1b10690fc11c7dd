// The benchmarks, each a function that returns printed lines.
import { unicornTightLoop } from './unicorn.ts';
import { x64DecoderThroughput } from './x64-decoder.ts';

export const figures: (() => Promise<string[]>)[] = [unicornTightLoop, x64DecoderThroughput];
