// The scenario registry the embed-scenarios build plugin generates (web/build/embed-scenarios.ts).
declare module 'virtual:hotpatch-scenarios' {
  import type { ScenarioEntry } from './scenario.ts';
  export const SCENARIOS: ScenarioEntry[];
}

// The scenario of the example a visit without a link opens, with the page's script.
declare module 'virtual:hotpatch-first-scenario' {
  import type { Scenario } from './scenario.ts';
  import type { Arch } from '../../../core/arch.ts';
  export const FIRST_SCENARIO: { example: string; arch: Arch };
  const scenario: Scenario;
  export default scenario;
}

// The docs page's "Embed this" example (web/build/docs-embed.ts).
declare module 'virtual:hotpatch-docs-embed' {
  import type { Scenario } from './scenario.ts';
  import type { ScenarioSpec } from '../lab/scenario-maker.ts';
  export const DOCS_EMBED_SPEC: ScenarioSpec;
  const scenario: Scenario;
  export default scenario;
}
