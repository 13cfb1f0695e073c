/**
 * Blocks as block codec 1 wrote them (segment format 2 files of builds before codec 2),
 * made by that build's encodeBlock from the data sets of codec1BlockData, so a newer
 * decoder can be held to reading them back exactly. Not to be regenerated: they stand
 * for bytes already on disks.
 */
import type { SeriesColumns } from '../../src/storage/columns.js';
import { AWKWARD_FLOATS, columnOf, EVERY_KIND_WITH_NULLS, MIXED_KINDS, seriesOf, STRINGS, T0 } from './series-rows.js';

export const CODEC1_BLOCKS: Readonly<Record<string, string>> = {
  everyKind: 'AeNgYGBILijVy8lPTGFmYGBgZWBgYGBkAAMVBwaGyoQJGhLOEJELQsmOEJkP9iCBNCaQUkYmqPoNtQfA9IEkB5BAJhOIw8TAxAgzzwAizyADlk8CyzMzMMOkP+xHNrwYLM3AwsDCBDaGgaG0gIWBgSElvzwPrsOeAQpAMun5eakMAA==',
  intExtremes: 'AWNhYGDIzCsp5mBgYGBkgBEMDB/sGRgqEyZoSDhDRC4IJTvCZEACZYxMDEig4T8E1MMEoPz/EOMUoPz3/yGyAlBVH/4DAA==',
  mixedKinds: 'AWNlYGDIzaxITeFkYGBgZIARDAwf7BkYKhMmaEg4Q0QuCCU7wmRAAmVMYA4jEwsDMxMjC/N/DgZU8MUemW1iDAKX4WL/IaAeym2AW7sfZgnIfBag3pLUihIGNIdBAAA=',
  strings: 'AWNnYGAoLinKzEsv5mRgYGBkgBEMDB/sGRgqEyZoSDhDRC4IJTvCZEACxYwsbBA+A4jOOLwyJycfZMiz6UufzVnzYtU8EOfD/GUNCslFiUnMDAwMiQxJXAwMDDmZealcSUWpidlQq7AARiZmFgZGVmYA',
  awkwardFloats: 'AWNjYGBIy8lPLCnmYmBgYGSAEQwMH+wZGCoTJmhIOENELgglO8JkQAJljIz/ORhgwMQYBC7bw+g5pQwdNk/M66DSDQwo4Ec91CQY/R9qKUMoGFy1j/z845B83tJGAA==',
  gapsInTime: 'AWNhYGBITywoZmZgYGBkYGDgABEEQYEThDZwBmtiuCCU7AgR+WAPEihjZIQYBxaB0QA=',
  decimals: 'AeNgYGBISU3OzE3MKWZgYWBgYmBgYGAEEReEkh0ZGCoTJmhIOCOLgMAHe5BAGRMDAyMjIyOYGAWjYBSMOMDEyAgpEiIPgCmVzQ4Qfrna3NVFijPc9+XKTHbamSHeZ7slWajTYn0cb4vxqkiOer2lIcxVmgv8j5WqzPY6WCA/zXVPttREh+1poj3WmxIF2s3WxnA3Ga4IZ6vVWRzEWKE+z/dIsdJMj/15slOcd2VK9NttTRHustwQz9dqsjqKs0F/WShLtdbCgONlqnO8DxUqTHfbmyM9yXFHulivzeYkwQ7zdbE8zUYrI9jrdJcEM1VqzPc7WqI8y/NAvtxUl91ZkhPst6WKdFttTOBvM10TzdVosDyMtUZ7USDIGz6HR/0x6o9Rf5DiD1ChkIcoHLAARiZmFlY2dg5OLm4eXj5+gVGBUYFRgREjAAA=',
};

/** The rows each of CODEC1_BLOCKS holds. */
export function codec1BlockData(): Record<string, SeriesColumns> {
  let walk = 50;
  return {
    everyKind: seriesOf('cpu.load', EVERY_KIND_WITH_NULLS),
    intExtremes: columnOf('ints', [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, -(2n ** 52n) - 1n, 2n ** 52n, -(2n ** 52n)]),
    mixedKinds: seriesOf('mixed', MIXED_KINDS),
    strings: columnOf('strings', STRINGS, 's'),
    awkwardFloats: columnOf('floats', AWKWARD_FLOATS),
    gapsInTime: seriesOf('gaps', [
      { time: 0, values: { v: 1 } },
      { time: 2 ** 40, values: { v: 2 } },
      { time: 2 ** 52, values: { v: 3 } },
    ]),
    decimals: seriesOf(
      'decimals',
      Array.from({ length: 1024 }, (_, i) => {
        walk = Math.min(75, Math.max(25, walk + (((i * 7919) % 200) - 100) / 100));
        return { time: T0 + i * 10_000_000, values: { v: i === 4 ? null : Math.round(walk * 100) / 100, n: BigInt(i % 17) } };
      }),
    ),
  };
}
