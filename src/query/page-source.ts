import { jsonPageSlots, type Page } from '../storage/scan.js';
import type { ShardHandle } from '../storage/shard-handle.js';

/**
 * Where the coordinator pulls a query's JSON pages from: a shard's scan cursor, or a merge
 * fed by several shards. Pages are encoded in worker threads; the coordinator only frames them.
 */
export interface PageSource {
  next(): Promise<Page>;
  /** Stops early (the client went away): releases what the shards hold for the query. */
  close(): Promise<void>;
}

/** A shard's scan cursor; `first`, when given, is its first page (or that page's failure), already taken. */
/** A source of one page already at hand (a small answer built whole). */
export function onePageSource(page: Page): PageSource {
  return { next: () => Promise.resolve(page), close: () => Promise.resolve() };
}

/**
 * With `streamed`, the reader lets go of each page once written (pumpPages), so pages after the
 * first take turns in two shared buffers, handed over with the first request for more.
 */
export function scanCursorSource(shard: ShardHandle, cursorId: number, first?: Page | Error, streamed = false): PageSource {
  let taken = first;
  let slotsGiven = !streamed;
  return {
    next: () => {
      if (taken === undefined) {
        if (slotsGiven) return shard.nextPage(cursorId);
        slotsGiven = true;
        return shard.nextPage(cursorId, undefined, jsonPageSlots());
      }
      const page = taken;
      taken = undefined;
      return page instanceof Error ? Promise.reject(page) : Promise.resolve(page);
    },
    close: () => shard.closeCursor(cursorId),
  };
}

/**
 * Pulls a source's pages into `write` until its last, or until the client is gone (the source
 * is then closed). One page is requested ahead: the shard encodes the next while this one goes
 * to the socket, and no further, so a slow client slows the scan instead of filling memory.
 */
export async function pumpPages(source: PageSource, write: (page: Page) => Promise<void>, client: { readonly done: boolean }): Promise<void> {
  let next = source.next();
  for (;;) {
    const page = await next;
    if (!page.done) next = source.next();
    await write(page);
    if (page.done) return;
    if (client.done) {
      await next.catch(() => undefined);
      return source.close();
    }
  }
}
