import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from './api.js';

/** Columns that are the point's identity, not a value to plot. */
const NOT_PLOTTED = new Set(['time', 'sequence_number']);

/** The columns worth a chart: every value a number (nulls aside), and at least one of them. */
export function numericColumns(series: Series): number[] {
  const indexes: number[] = [];
  series.columns.forEach((column, index) => {
    if (NOT_PLOTTED.has(column)) return;
    const values = series.points.map((point) => point[index]).filter((value) => value !== null);
    if (values.length > 0 && values.every((value) => typeof value === 'number')) indexes.push(index);
  });
  return indexes;
}

/**
 * One line chart of a column against time. The server answers newest first; uPlot wants x
 * ascending, in seconds.
 */
export function timeChart(series: Series, column: number, width: number): HTMLElement {
  const time = series.columns.indexOf('time');
  const points = [...series.points].sort((a, b) => Number(a[time]) - Number(b[time]));
  const xs = points.map((point) => Number(point[time]) / 1000);
  const ys = points.map((point) => (point[column] === null ? null : Number(point[column])));
  const container = document.createElement('figure');
  container.className = 'chart';
  const name = series.columns[column]!;
  new uPlot(
    {
      title: name,
      width,
      height: 240,
      series: [{}, { label: name, stroke: '#2266cc', width: 2, points: { show: points.length < 60 } }],
    },
    [xs, ys],
    container,
  );
  return container;
}
