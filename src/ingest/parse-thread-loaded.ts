/**
 * What a parse thread posts once its modules are loaded. A module of its own so the main
 * thread can know it without loading the parse thread's code.
 */
export const PARSE_THREAD_LOADED = 'sluice:parse-thread-loaded';
