import test from 'ava';

/**
 * For a test that reads or damages a single node's own files (segments, manifests, meta.json)
 * besides the HTTP API: run by `npm test`, skipped where its file runs against cluster nodes
 * (scripts/front-end-suite.ts), which keep those elsewhere or not at all.
 */
export const singleNodeTest = process.env.SLUICE_TEST_CLUSTER_NATS ? test.skip : test;
