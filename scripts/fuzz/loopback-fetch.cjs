/**
 * Preloaded into the service under fuzzing (node --require): fetch may reach
 * loopback addresses only. Anything else is refused before DNS or a connection
 * — the service sees the network error it would see offline — and the URL's
 * host is appended to FUZZ_REFUSED_FILE so the harness fails the run: the
 * fuzzer must never make the service call out of this machine.
 */
'use strict';
const { appendFileSync } = require('node:fs');
const { URL } = require('node:url');

const refusedFile = process.env.FUZZ_REFUSED_FILE;
const original = globalThis.fetch;

function isLoopback(hostname) {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

globalThis.fetch = function loopbackOnlyFetch(input, init) {
  let url;
  try {
    url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  } catch {
    return original(input, init);
  }
  if (isLoopback(url.hostname)) return original(input, init);
  if (refusedFile) appendFileSync(refusedFile, `${url.protocol}//${url.host}\n`);
  // The shape of undici's own failure, so the service handles it as a network error.
  return Promise.reject(new TypeError('fetch failed'));
};
