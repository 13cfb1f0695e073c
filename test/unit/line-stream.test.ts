import test from 'ava';
import { LineStream, LineTooLongError } from '../../src/inputs/line-stream.js';

test('whole lines are taken as they end; a last line without its newline counts at the end', (t) => {
  const lines = new LineStream(16);
  lines.push(Buffer.from('a 1\nb '));
  t.is(lines.take().toString(), 'a 1\n');
  lines.push(Buffer.from('2\nc 3'));
  t.is(lines.take().toString(), 'b 2\n');
  lines.end();
  t.is(lines.take().toString(), 'c 3');
});

test('a line that passes the limit without ending is refused whole: none of it comes out at the end', (t) => {
  const lines = new LineStream(16);
  lines.push(Buffer.from('ok 1\nlong.metric.'));
  t.throws(() => lines.push(Buffer.from('name.goes.on 1')), { instanceOf: LineTooLongError });
  lines.end();
  t.is(lines.take().toString(), 'ok 1\n');
});
