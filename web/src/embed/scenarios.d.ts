// The scenario registry the embed-scenarios build plugin generates (web/build/embed-scenarios.ts).
declare module 'virtual:hotpatch-scenarios' {
  import type { ScenarioEntry } from './scenario.ts';
  export const SCENARIOS: ScenarioEntry[];
}
