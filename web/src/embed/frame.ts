// The iframe form: embed/?example=price-tax&arch=x64&theme=dark&parent=https://docs.example.org
// shows one <hotpatch-demo> and speaks the postMessage API to the page that frames it. A scenario of
// the page's own comes in the hash: embed/#scenario=… ("Embed this" in the playground makes it).
import './element.ts';
import { connectToParent, trustedOrigins } from './message-bridge.ts';
import { scenarioFromHash } from './scenario-link.ts';

const params = new URLSearchParams(location.search);
const demo = document.createElement('hotpatch-demo');
for (const name of ['example', 'arch', 'playground'] as const) {
  const value = params.get(name);
  if (value) demo.setAttribute(name, value);
}
const theme = params.get('theme');
if (theme === 'light' || theme === 'dark') {
  demo.setAttribute('theme', theme);
  document.documentElement.style.colorScheme = theme;
}
connectToParent(demo, trustedOrigins(location.origin, params.get('parent')));
scenarioFromHash(location.hash).then((json) => {
  // Inline, as a page writes its own: the demo reads it when it is connected.
  if (json !== undefined) {
    const inline = document.createElement('script');
    inline.type = 'application/json';
    inline.textContent = json;
    demo.append(inline);
  }
  document.body.append(demo);
}, (error: unknown) => {
  const notice = document.createElement('p');
  notice.setAttribute('role', 'alert');
  notice.textContent = `This demo cannot be shown: ${error instanceof Error ? error.message : String(error)}.`;
  document.body.append(notice);
});
