import { h } from './dom.js';

/** The examples of 0.8's help pop-up and getting-started guide. */
const EXAMPLES: readonly [string, string][] = [
  ['select * from /.*/ limit 1', 'the newest point of every series'],
  ['list series', 'the names of all series'],
  ['select * from cpu_idle where time > now() - 1h', 'raw points of the last hour'],
  ['select mean(value) from cpu_idle group by time(30m) where time > now() - 1d', 'half-hourly means over a day'],
  ['select count(value), max(value) from cpu_idle group by time(1h) fill(0)', 'several aggregates, empty buckets as 0'],
  ['select value from /^cpu\\..*/ where host = \'server01\'', 'a regex over series names, a where clause on a column'],
  ['select * from cpu_idle merge cpu_busy limit 10', 'two series interleaved in time order'],
  ['select percentile(value, 95) from response_times group by time(5m)', 'the 95th percentile per 5 minutes'],
  ['select mean(value) from cpu_idle group by time(5m) into cpu_idle.5m', 'a continuous query: kept up to date by the server'],
  ['delete from cpu_idle where time < now() - 30d', 'delete old points'],
  ['drop series cpu_idle', 'delete a series entirely'],
];

/** A dialog of query examples; choosing one puts it in the query box. */
export function queryExamplesDialog(choose: (query: string) => void): HTMLDialogElement {
  const dialog = h('dialog', { className: 'examples' });
  const list = h(
    'ul',
    {},
    ...EXAMPLES.map(([query, what]) => {
      const use = h('button', { type: 'button', className: 'link' }, h('code', {}, query));
      use.onclick = () => {
        choose(query);
        dialog.close();
      };
      return h('li', {}, use, h('span', {}, ` ${what}`));
    }),
  );
  const close = h('button', { type: 'button' }, 'Close');
  close.onclick = () => dialog.close();
  dialog.append(h('h3', {}, 'Query examples'), list, close);
  return dialog;
}
