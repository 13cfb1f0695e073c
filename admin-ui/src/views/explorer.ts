import { segment, type Api, type Series } from '../api.js';
import { StatusLine, attempt, field, h } from '../dom.js';
import { numericColumns, timeChart } from '../plot.js';
import { queryExamplesDialog } from '../query-examples.js';

/** The data explorer: a query box whose answer is charted and tabled, and a one-point write form. */
export function explorerView(api: Api, db: string): HTMLElement {
  const base = `/db/${segment(db)}`;
  const results = h('div', { className: 'results' });
  const status = new StatusLine();
  const query = h('input', { className: 'query', required: true, placeholder: 'select * from /.*/ limit 1', ariaLabel: 'Query' });
  const examples = queryExamplesDialog((example) => {
    query.value = example;
    query.focus();
  });
  const help = h('button', { type: 'button' }, 'Query examples');
  help.onclick = () => examples.showModal();
  const read = h('form', { className: 'inline' }, query, h('button', { type: 'submit' }, 'Run query'), help);
  read.onsubmit = (event) => {
    event.preventDefault();
    results.replaceChildren();
    attempt(status, async () => {
      const answer = await api.get<Series[] | undefined>(`${base}/series`, { q: query.value, time_precision: 'ms' });
      const series = answer ?? [];
      const width = Math.max(320, results.clientWidth - 16);
      results.replaceChildren(...series.map((one) => seriesView(one, width)));
      status.ok(series.length === 0 ? 'No series' : `${series.length} series`);
    });
  };
  return h(
    'section',
    {},
    h('h2', {}, `Data explorer: ${db}`),
    h('h3', {}, 'Read points'),
    read,
    status.element,
    results,
    writeSection(api, base),
    examples,
  );
}

function seriesView(series: Series, width: number): HTMLElement {
  const time = series.columns.indexOf('time');
  return h(
    'article',
    { className: 'series' },
    h('h4', {}, series.name),
    time >= 0 && h('div', { className: 'charts' }, ...numericColumns(series).map((column) => timeChart(series, column, width))),
    h(
      'table',
      { className: 'points' },
      h('thead', {}, h('tr', {}, ...series.columns.map((column) => h('th', {}, column)))),
      h('tbody', {}, ...series.points.map((point) => h('tr', {}, ...point.map((value, index) => h('td', {}, cell(value, index === time)))))),
    ),
  );
}

function cell(value: unknown, isTime: boolean): string {
  if (isTime && typeof value === 'number') return new Date(value).toISOString();
  return value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** One point of `{"column": value, ...}`, timed by the server unless the object has a time. */
function writeSection(api: Api, base: string): HTMLElement {
  const status = new StatusLine();
  const name = h('input', { required: true, placeholder: 'cpu_idle' });
  const values = h('textarea', { required: true, rows: 3, placeholder: '{"value": 0.64, "host": "server01"}' });
  const form = h('form', {}, field('Series', name), field('Values', values), h('button', { type: 'submit' }, 'Write point'));
  form.onsubmit = (event) => {
    event.preventDefault();
    attempt(status, async () => {
      const point = pointObject(values.value);
      await api.post(`${base}/series`, [{ name: name.value, columns: Object.keys(point), points: [Object.values(point)] }]);
      status.ok(`Point written to ${name.value}`);
    });
  };
  return h('section', {}, h('h3', {}, 'Write point'), form, status.element);
}

function pointObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the values must be a JSON object: {"column": value, ...}');
  }
  return value as Record<string, unknown>;
}
