// The benchmarks, each a function that returns printed lines.
import { unicornTightLoop } from './unicorn.ts';

export const figures: (() => Promise<string[]>)[] = [unicornTightLoop];
