// The scenario registry the embed-scenarios build plugin generates (web/build/embed-scenarios.ts).
declare module 'virtual:hotpatch-scenarios' {
  import type { ScenarioEntry } from './scenario.ts';
  export const SCENARIOS: ScenarioEntry[];
}

// The docs page's "Embed this" example (web/build/docs-embed.ts).
declare module 'virtual:hotpatch-docs-embed' {
  import type { Scenario } from './scenario.ts';
  import type { ScenarioSpec } from '../lab/scenario-maker.ts';
  export const DOCS_EMBED_SPEC: ScenarioSpec;
  const scenario: Scenario;
  export default scenario;
}
