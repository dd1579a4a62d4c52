// The client bundle served at /socket.io/ (turnroom: socketio-client-dir):
// the socket.io-client 4.8.4 dist/ files byte for byte, with socket.io's
// content types, an ETag that revalidates to 304, and gzip when asked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { URL_DEFAULT } from './lib.mjs';

const DIST = new URL('./node_modules/socket.io-client/dist/', import.meta.url);

function get(path, headers = {}) {
	const u = new URL(URL_DEFAULT);
	return new Promise((resolve, reject) => {
		const req = http.request({ host: u.hostname, port: u.port, path, agent: false, timeout: 5000,
			headers: { Connection: 'close', ...headers } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
		req.on('error', reject);
		req.end();
	});
}

describe('the socket.io-client bundle', { timeout: 30000 }, () => {
	for (const name of ['socket.io.js', 'socket.io.min.js', 'socket.io.esm.min.js',
		'socket.io.js.map', 'socket.io.min.js.map', 'socket.io.esm.min.js.map']) {
		test(`/socket.io/${name}`, async () => {
			const file = readFileSync(new URL(name, DIST));
			const r = await get(`/socket.io/${name}`);
			assert.equal(r.status, 200);
			assert.equal(r.headers['content-encoding'], undefined, 'identity without Accept-Encoding');
			assert.ok(file.equals(r.body), 'the dist file byte for byte');
			const type = name.endsWith('.map') ? 'application/json' : 'application/javascript';
			assert.match(r.headers['content-type'], new RegExp(`^${type}; ?charset=utf-8$`, 'i'));
			const etag = r.headers.etag;
			assert.match(etag || '', /^(W\/)?"[^"]+"$/, 'a quoted ETag');
			const again = await get(`/socket.io/${name}`, { 'If-None-Match': etag });
			assert.equal(again.status, 304);
			assert.equal(again.body.length, 0);
			const gz = await get(`/socket.io/${name}`, { 'Accept-Encoding': 'gzip' });
			assert.equal(gz.status, 200);
			assert.equal(gz.headers['content-encoding'], 'gzip');
			assert.ok(file.equals(zlib.gunzipSync(gz.body)), 'gzip decodes to the dist file');
		});
	}

	test('other names under the path are not files', async () => {
		for (const path of ['/socket.io/package.json', '/socket.io/../package.json',
			'/socket.io/%2e%2e/package.json', '/socket.io/socket.io.js/../../package.json',
			'/socket.io/dist/socket.io.js', '/socket.io/socket.io.jsx']) {
			const r = await get(path);
			assert.notEqual(r.status, 200, path);
			assert.ok(!r.body.toString().includes('"name"'), `${path} leaks a file`);
		}
	});
});
