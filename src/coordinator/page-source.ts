import type { Page } from '../operators/scan-cursor.js';
import type { ShardHandle } from '../shards/shard-handle.js';

/**
 * Where the coordinator pulls a query's JSON pages from: a shard's scan cursor, or a merge
 * fed by several shards. Pages are encoded in worker threads; the coordinator only frames them.
 */
export interface PageSource {
  next(): Promise<Page>;
  /** Stops early (the client went away): releases what the shards hold for the query. */
  close(): Promise<void>;
  /** Called once the source is read no more and no page of it is being made or written. */
  release?(): void;
}

/** A shard's scan cursor; `first`, when given, is its first page (or that page's failure), already taken. */
/** A source of one page already at hand (a small answer built whole). */
export function onePageSource(page: Page): PageSource {
  return { next: () => Promise.resolve(page), close: () => Promise.resolve() };
}

/** `pageSlots`, when the scan writes its pages into a pair from `shard`, goes back to it once the source is released. */
export function scanCursorSource(shard: ShardHandle, cursorId: number, first?: Page | Error, pageSlots?: readonly SharedArrayBuffer[]): PageSource {
  let taken = first;
  return {
    next: () => {
      if (taken === undefined) return shard.nextPage(cursorId);
      const page = taken;
      taken = undefined;
      return page instanceof Error ? Promise.reject(page) : Promise.resolve(page);
    },
    close: () => shard.closeCursor(cursorId),
    release: () => {
      if (pageSlots) shard.giveBackJsonSlots(pageSlots);
    },
  };
}

/**
 * Pulls a source's pages into `write` until its last, or until the client is gone (the source
 * is then closed). One page is requested ahead: the shard encodes the next while this one goes
 * to the socket, and no further, so a slow client slows the scan instead of filling memory.
 */
export async function pumpPages(source: PageSource, write: (page: Page) => Promise<void>, client: { readonly done: boolean }): Promise<void> {
  let next = source.next();
  try {
    for (;;) {
      const page = await next;
      if (!page.done) next = source.next();
      await write(page);
      if (page.done) return;
      if (client.done) {
        await next.catch(() => undefined);
        await source.close();
        return;
      }
    }
  } finally {
    // A page still being made may be going into a buffer the source lends: let it settle first.
    await next.catch(() => undefined);
    source.release?.();
  }
}
