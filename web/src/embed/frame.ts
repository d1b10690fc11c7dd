// The iframe form: embed/?example=price-tax&arch=x64&theme=dark&parent=https://docs.example.org
// shows one <hotpatch-demo> and speaks the postMessage API to the page that frames it.
import './element.ts';
import { connectToParent, trustedOrigins } from './message-bridge.ts';

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
document.body.append(demo);
