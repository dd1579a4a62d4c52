/*
 * quality.js: the call page's quality line, from RTCPeerConnection
 * getStats() (W3C webrtc-stats): the selected candidate pair says whether
 * the call is direct or relayed and, for a relayed local candidate, how
 * the TURN server is reached (relayProtocol udp/tcp/tls); the pair gives
 * the round trip and the bytes each way, inbound-rtp the packets lost.
 * Pure functions over a stats map, so node --test can check them.
 */

// One sample: the selected pair and the running counters, or null while
// no pair is selected. `stats` is an RTCStatsReport (any Map of stats).
export function sample(stats, now) {
	let pair = null;
	const rtp = { lost: 0, received: 0 };
	stats.forEach((s) => {
		if (s.type === 'transport' && s.selectedCandidatePairId)
			pair = stats.get(s.selectedCandidatePairId);
		if (s.type === 'inbound-rtp') {
			rtp.lost += s.packetsLost || 0;
			rtp.received += s.packetsReceived || 0;
		}
	});
	if (!pair) // browsers without selectedCandidatePairId
		stats.forEach((s) => {
			if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded')
				pair = s;
		});
	if (!pair)
		return null;
	const local = stats.get(pair.localCandidateId) || {};
	const remote = stats.get(pair.remoteCandidateId) || {};
	return { t: now, localId: pair.localCandidateId, local: local.candidateType,
		remote: remote.candidateType, relayProtocol: local.relayProtocol,
		protocol: local.protocol, rtt: pair.currentRoundTripTime, sent: pair.bytesSent || 0,
		recv: pair.bytesReceived || 0, ...rtp };
}

function rate(bitsPerSecond) {
	return bitsPerSecond >= 1e6 ? (bitsPerSecond / 1e6).toFixed(1) + ' Mb/s'
		: Math.round(bitsPerSecond / 1e3) + ' kb/s';
}

// path: 'direct', 'relay-udp'/'relay-tcp'/'relay-tls' (we reach the relay
// so) or 'relay-remote' (only the other side is relayed).
function pathOf(s) {
	const proto = (p) => (p || 'udp').toUpperCase();
	if (s.local === 'relay')
		return { path: 'relay-' + (s.relayProtocol || 'udp'), text: 'Relayed over ' + proto(s.relayProtocol) };
	if (s.remote === 'relay')
		return { path: 'relay-remote', text: 'Relayed (their side) over ' + proto(s.protocol) };
	return { path: 'direct', text: 'Direct over ' + proto(s.protocol) };
}

// The line for sample cur (rates and loss over the time since prev, when
// there is a prev), its path, and whether to warn: a relay reached over
// TLS means UDP and plain TCP are blocked, and costs delay.
export function describe(prev, cur) {
	const { path, text } = pathOf(cur);
	const parts = [text];
	if (typeof cur.rtt === 'number')
		parts.push('RTT ' + Math.round(cur.rtt * 1000) + ' ms');
	const dt = prev ? (cur.t - prev.t) / 1000 : 0;
	if (dt > 0) {
		const lost = Math.max(0, cur.lost - prev.lost);
		const got = Math.max(0, cur.received - prev.received);
		parts.push('\u2193 ' + rate((cur.recv - prev.recv) * 8 / dt),
			'\u2191 ' + rate((cur.sent - prev.sent) * 8 / dt),
			'loss ' + (lost + got > 0 ? (100 * lost / (lost + got)).toFixed(1) : '0.0') + ' %');
	}
	return { text: parts.join(' \u00b7 '), path, warnTls: path === 'relay-tls' };
}
