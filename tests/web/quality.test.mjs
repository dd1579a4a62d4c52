// Unit tests of web/quality.js (node --test tests/web/): the call page's
// quality line from getStats-shaped maps: the path (direct, relayed over
// UDP/TCP/TLS, relayed on their side), RTT, bitrates each way, packet loss
// and the relay-over-TLS warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sample, describe } from '../../web/quality.js';

// A stats report: transport -> selected pair -> local/remote candidates.
function report({ local = {}, remote = {}, pair = {}, inbound = [], selected = true }) {
	const m = new Map();
	const add = (s) => m.set(s.id, s);
	add({ id: 'L', type: 'local-candidate', candidateType: 'host', protocol: 'udp', ...local });
	add({ id: 'R', type: 'remote-candidate', candidateType: 'host', protocol: 'udp', ...remote });
	add({ id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R',
		state: 'succeeded', nominated: true, ...pair });
	add({ id: 'T', type: 'transport', ...(selected ? { selectedCandidatePairId: 'P' } : {}) });
	inbound.forEach((s, i) => add({ id: 'I' + i, type: 'inbound-rtp', ...s }));
	return m;
}

test('a relay reached over TLS is named and warned about', () => {
	const s = sample(report({ local: { candidateType: 'relay', relayProtocol: 'tls' },
		remote: { candidateType: 'relay' }, pair: { currentRoundTripTime: 0.042 } }), 0);
	const q = describe(null, s);
	assert.equal(q.text, 'Relayed over TLS \u00b7 RTT 42 ms');
	assert.equal(q.path, 'relay-tls');
	assert.equal(q.warnTls, true);
});

test('relayed over UDP and TCP: no warning', () => {
	for (const proto of ['udp', 'tcp']) {
		const q = describe(null, sample(report({ local: { candidateType: 'relay', relayProtocol: proto } }), 0));
		assert.equal(q.text, 'Relayed over ' + proto.toUpperCase());
		assert.equal(q.path, 'relay-' + proto);
		assert.equal(q.warnTls, false);
	}
});

test('direct, and relayed only on the other side', () => {
	assert.equal(describe(null, sample(report({ local: { candidateType: 'srflx' } }), 0)).text, 'Direct over UDP');
	const q = describe(null, sample(report({ local: { protocol: 'tcp' }, remote: { candidateType: 'relay' } }), 0));
	assert.equal(q.text, 'Relayed (their side) over TCP');
	assert.equal(q.path, 'relay-remote');
});

test('bitrates and loss over the interval between two samples', () => {
	const prev = sample(report({ pair: { bytesSent: 1000, bytesReceived: 2000, currentRoundTripTime: 0.01 },
		inbound: [{ packetsLost: 5, packetsReceived: 100 }, { packetsLost: 0, packetsReceived: 50 }] }), 1000);
	const cur = sample(report({ pair: { bytesSent: 1000 + 62500, bytesReceived: 2000 + 250000, currentRoundTripTime: 0.01 },
		inbound: [{ packetsLost: 15, packetsReceived: 150 }, { packetsLost: 0, packetsReceived: 90 }] }), 2000);
	// 1 s: 2 Mb/s down, 500 kb/s up; 10 lost of 10 + 90 packets.
	assert.equal(describe(prev, cur).text,
		'Direct over UDP \u00b7 RTT 10 ms \u00b7 \u2193 2.0 Mb/s \u00b7 \u2191 500 kb/s \u00b7 loss 10.0 %');
});

test('no traffic is 0 kb/s and 0.0 % loss, not NaN', () => {
	const a = sample(report({}), 0);
	const b = sample(report({}), 1000);
	assert.equal(describe(a, b).text, 'Direct over UDP \u00b7 \u2193 0 kb/s \u00b7 \u2191 0 kb/s \u00b7 loss 0.0 %');
});

test('without selectedCandidatePairId the nominated succeeded pair is used; none: null', () => {
	const s = sample(report({ selected: false, local: { candidateType: 'relay', relayProtocol: 'tcp' } }), 0);
	assert.equal(s.local, 'relay');
	assert.equal(s.relayProtocol, 'tcp');
	const none = report({ selected: false, pair: { nominated: false } });
	assert.equal(sample(none, 0), null);
});
