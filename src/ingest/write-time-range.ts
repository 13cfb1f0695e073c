/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in µs: the years 0.8 could store, for every write format. */
export const MIN_WRITE_TIME_US = -62_167_219_200_000_000;
export const END_WRITE_TIME_US = 253_402_300_800_000_000;
