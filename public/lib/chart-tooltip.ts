/**
 * A real tooltip for a chart (not the browser's title bubble): pointing at a bucket or a bar, or
 * stepping through them with the arrow keys once the chart has focus, shows the period or
 * category and its value(s) beside a marker on the chart. The text also goes to a polite live
 * region, so a screen reader hears what the keyboard reached. Enter or a click on a bar calls
 * `pick` with its category (the breakdown filters by it).
 * The chart's targets come from the shared geometry (src/charts/chart.ts), in its units; the SVG
 * may be scaled, so pointer positions are mapped back through its on-screen size. Styles are set
 * through the CSSOM (element.style), which the Content-Security-Policy allows, never `style=`.
 */
import type { Chart, Target } from '../../src/charts/chart.ts';
import { h } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';

export interface TooltipOptions {
  /** Called with a target's key (a category) on click or Enter. */
  readonly pick?: (key: string) => void;
  /** What a keyboard user is told the chart does, e.g. "arrow keys read each week". */
  readonly hint: string;
}

/** The listeners of the chart a frame shows now: a redraw removes the previous chart's. */
const attached = new WeakMap<HTMLElement, AbortController>();

export function attachTooltip(frame: HTMLElement, svg: SVGSVGElement, chart: Chart, options: TooltipOptions): void {
  attached.get(frame)?.abort();
  const { targets } = chart;
  if (targets.length === 0) {
    frame.removeAttribute('tabindex');
    frame.removeAttribute('role');
    frame.removeAttribute('aria-label');
    return;
  }
  const controller = new AbortController();
  attached.set(frame, controller);
  const signal = { signal: controller.signal };
  frame.tabIndex = 0;
  frame.setAttribute('role', 'group');
  frame.setAttribute('aria-label', `${chart.title}: ${options.hint}`);
  const tip = h('div', { class: 'chart-tip', role: 'status', 'aria-live': 'polite' });
  tip.hidden = true;
  frame.append(tip);
  const marker = document.createElementNS(SVG, 'g');
  marker.setAttribute('class', 'chart-marker');
  marker.setAttribute('aria-hidden', 'true');
  svg.append(marker);
  let active = -1;
  let pointerInside = false;

  const scale = (): { x: number; y: number; left: number; top: number } => {
    const box = svg.getBoundingClientRect();
    const frameBox = frame.getBoundingClientRect();
    return { x: box.width / chart.width, y: box.height / chart.height, left: box.left - frameBox.left, top: box.top - frameBox.top };
  };

  function draw(target: Target): void {
    marker.replaceChildren();
    const vertical = target.height > target.width;
    if (vertical && target.marks.length > 0) {
      const rule = document.createElementNS(SVG, 'line');
      const x = String(target.marks[0]!.x);
      for (const [name, value] of [['x1', x], ['x2', x], ['y1', String(target.y)], ['y2', String(target.y + target.height)], ['class', 'rule']]) rule.setAttribute(name!, value!);
      marker.append(rule);
    } else {
      const band = document.createElementNS(SVG, 'rect');
      for (const [name, value] of [['x', target.x], ['y', target.y], ['width', target.width], ['height', target.height], ['class', 'band']] as const) band.setAttribute(name, String(value));
      marker.append(band);
    }
    for (const mark of target.marks) {
      const ring = document.createElementNS(SVG, 'circle');
      for (const [name, value] of [['cx', mark.x], ['cy', mark.y], ['r', 5]] as const) ring.setAttribute(name, String(value));
      marker.append(ring);
    }
  }

  function show(index: number): void {
    const target = targets[index];
    if (target === undefined) return;
    active = index;
    const [head, ...rest] = target.lines;
    tip.replaceChildren(h('strong', {}, head ?? ''), ...rest.map((line) => h('span', {}, line)));
    if (target.key !== undefined && options.pick !== undefined) tip.append(h('span', { class: 'tip-hint' }, 'Click or press Enter to filter by it'));
    tip.hidden = false;
    draw(target);
    const s = scale();
    const anchor = target.marks[0] ?? { x: target.x + target.width / 2, y: target.y };
    const x = s.left + anchor.x * s.x;
    const y = s.top + anchor.y * s.y;
    // Beside the point, on the side with room; never out of the frame.
    const room = frame.clientWidth;
    const width = tip.offsetWidth;
    const left = x + 12 + width > room ? Math.max(0, x - 12 - width) : x + 12;
    tip.style.left = `${Math.round(left)}px`;
    tip.style.top = `${Math.round(Math.max(0, y - tip.offsetHeight - 8))}px`;
  }

  function hide(): void {
    tip.hidden = true;
    marker.replaceChildren();
  }

  function targetAt(event: PointerEvent): number {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * chart.width;
    const y = ((event.clientY - box.top) / box.height) * chart.height;
    return targets.findIndex((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height);
  }

  frame.addEventListener('pointermove', (event) => {
    pointerInside = true;
    const index = targetAt(event);
    if (index >= 0 && index !== active) show(index);
    else if (index < 0 && document.activeElement !== frame) {
      active = -1;
      hide();
    }
    frame.classList.toggle('pickable', index >= 0 && targets[index]!.key !== undefined && options.pick !== undefined);
  }, signal);
  frame.addEventListener('pointerleave', () => {
    pointerInside = false;
    if (document.activeElement !== frame) {
      active = -1;
      hide();
    }
  }, signal);
  frame.addEventListener('click', (event) => {
    const index = targetAt(event as PointerEvent);
    const key = targets[index]?.key;
    if (key !== undefined && options.pick !== undefined) options.pick(key);
  }, signal);
  frame.addEventListener('focus', () => show(active >= 0 ? active : 0), signal);
  frame.addEventListener('blur', () => {
    if (!pointerInside) {
      active = -1;
      hide();
    }
  }, signal);
  frame.addEventListener('keydown', (event) => {
    const last = targets.length - 1;
    const step: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    let next: number | undefined;
    if (event.key in step) next = Math.min(last, Math.max(0, (active < 0 ? 0 : active) + step[event.key]!));
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = last;
    else if (event.key === 'Escape') {
      hide();
      return;
    } else if (event.key === 'Enter' || event.key === ' ') {
      const key = targets[active]?.key;
      if (key !== undefined && options.pick !== undefined) {
        event.preventDefault();
        options.pick(key);
      }
      return;
    }
    if (next === undefined) return;
    event.preventDefault();
    show(next);
  }, signal);
}
