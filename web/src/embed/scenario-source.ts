// Scenarios a page brings itself, beside the built-in ones: from a URL (`<hotpatch-demo src="…">`,
// any origin that allows it by CORS) or inline (a `<script type="application/json">` child). The
// data is what the build's scenarios are (web/build/scenario-builder.ts, or the CLI); its shape is
// checked here, and everything in it runs in the demo's sandboxed CPU and engine as the built-in
// scenarios do.
import { ARCHES } from '../../../core/arch.ts';
import { SCENARIO_FORMAT, type Scenario, type ScenarioEntry, isPlaygroundHash } from './scenario.ts';

/** At most this many characters of scenario JSON (a built-in scenario is 20 to 120 K). */
const MAX_CHARS = 4 << 20;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The scenario in `data`, or an error saying what is wrong with it. */
export function checkScenario(data: unknown, where: string): Scenario {
  const fail = (what: string): never => { throw new Error(`${where}: ${what}`); };
  if (!isObject(data)) return fail('not a scenario (a JSON object is expected)');
  if (data.format !== SCENARIO_FORMAT) fail(`scenario format ${String(data.format)}, this embed reads format ${SCENARIO_FORMAT}`);
  if (typeof data.arch !== 'string' || !(ARCHES as readonly string[]).includes(data.arch)) fail(`unknown architecture ${String(data.arch)}`);
  for (const field of ['id', 'example', 'title', 'summary'] as const) if (typeof data[field] !== 'string') fail(`"${field}" is not a string`);
  for (const field of ['modules', 'patches', 'timeline', 'instructions'] as const) if (!Array.isArray(data[field])) fail(`"${field}" is not a list`);
  const modules = data.modules as unknown[];
  if (modules.length === 0) fail('no modules');
  for (const [i, module] of modules.entries()) {
    if (!isObject(module) || typeof module.name !== 'string' || typeof module.code !== 'string' || typeof module.data !== 'string'
      || typeof module.base !== 'number' || typeof module.dataAddress !== 'number' || !Array.isArray(module.symbols)) {
      fail(`module ${i + 1} is not a module`);
    }
  }
  for (const [i, patch] of (data.patches as unknown[]).entries()) {
    if (!isObject(patch) || typeof patch.image !== 'string' || typeof patch.module !== 'string') fail(`patch ${i + 1} is not a patch`);
  }
  if (data.playground !== undefined && !isPlaygroundHash(data.playground)) fail('"playground" is not the state part of a playground link (s=…)');
  return data as unknown as Scenario;
}

function parse(text: string, where: string): Scenario {
  if (text.length > MAX_CHARS) throw new Error(`${where}: more than ${MAX_CHARS} characters`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return checkScenario(data, where);
}

const entries = new Map<string, ScenarioEntry>();

/** An entry whose scenario is fetched from `url` (resolved against the page), once. */
export function scenarioFromUrl(url: string): ScenarioEntry {
  const href = new URL(url, document.baseURI).href;
  let entry = entries.get(`url:${href}`);
  if (!entry) {
    let loaded: Promise<Scenario> | undefined;
    entry = {
      id: href, example: href, arch: 'x64', title: href,
      load: () => loaded ??= fetch(href, { credentials: 'omit' }).then(async (response) => {
        if (!response.ok) throw new Error(`${href}: ${response.status} ${response.statusText}`);
        return parse(await response.text(), href);
      }),
    };
    entries.set(`url:${href}`, entry);
  }
  return entry;
}

/** An entry for the scenario written inline (the text of a JSON script). */
export function scenarioFromText(text: string): ScenarioEntry {
  let entry = entries.get(`inline:${text}`);
  if (!entry) {
    const scenario = Promise.resolve().then(() => parse(text, 'the inline scenario'));
    scenario.catch(() => undefined);
    entry = { id: 'inline', example: 'inline', arch: 'x64', title: 'inline', load: () => scenario };
    entries.set(`inline:${text}`, entry);
  }
  return entry;
}
