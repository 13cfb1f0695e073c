/**
 * Detaches one ArrayBuffer as soon as a thread starts. V8 compiles typed-array reads assuming
 * no buffer was ever detached, until one is: then it throws away every optimised function that
 * assumed it, and compiles them again. Every thread here detaches buffers (a transfer between
 * threads does), so the first one came in the middle of the first write load and cost each
 * thread a round of recompiling its hot functions: 67 such deoptimisations during the first 10
 * M-point ingest of a fresh server, 5 with this, and 13 % less compile time on V8's helper
 * threads. Imported first by each thread's entry module, for its side effect.
 */
const buffer = new ArrayBuffer(8);
structuredClone(buffer, { transfer: [buffer] });
