/**
 * The largest multiple of `width` at or below `t`: a true floor for negative `t` too, and exact
 * where the float division rounds across an integer boundary for large `t`. Buckets of
 * `group by time` (engine/buckets.ts) and the zones of cached blocks (storage/zone-map.ts)
 * start here, and must agree to the microsecond.
 */
export function floorToMultiple(t: number, width: number): number {
  let start = Math.floor(t / width) * width;
  // The float division can round across an integer boundary for large t; step back in.
  if (start > t) start -= width;
  else if (start + width <= t) start += width;
  return start;
}
