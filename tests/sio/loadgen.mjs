// Load generator of `scripts/bench socketio`: many raw WebSocket clients in
// one process speaking the Engine.IO v4 / Socket.IO v5 text protocol by hand
// (open packet, "40", 42["join"...], pongs), so 10k clients do not need 10k
// socket.io-client instances. Clients 2k and 2k+1 share room "b<k>".
//
// node loadgen.mjs URL CLIENTS idle
//   connects CLIENTS clients (at most 200 handshakes in flight), prints
//   "joined N" once every one got `joined`, then answers pings until stdin
//   closes.
// node loadgen.mjs URL CLIENTS relay SECONDS RATE [WARMUP]
//   as above, then waits for a line "go" on stdin and sends RATE `message`
//   events per second in all (open loop: a 10 ms tick, senders taken in
//   turn, each to its room's peer). After WARMUP seconds (default 2: the
//   JIT and caches of both sides settle) it prints "mark", SECONDS later
//   "relayed N sent M" (messages received by clients, i.e. relayed by the
//   server, and sent, since the mark) and exits.
import WebSocket from 'ws';
import readline from 'node:readline';

const [url, nStr, mode, secStr, rateStr, warmStr] = process.argv.slice(2);
const N = Number(nStr);
const WS_URL = url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
const PAYLOAD = JSON.stringify({ type: 'candidate', value: { candidate:
	'candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 10.0.0.2 rport 54321 generation 0',
	sdpMid: '0', sdpMLineIndex: 0 } });

let joined = 0;
let relayed = 0;
let failed = 0;
const clients = [];

function start(i) {
	return new Promise((resolve) => {
		const roomId = 'b' + (i >> 1);
		const msg = `42["message",{"roomId":"${roomId}","data":${PAYLOAD}}]`;
		const ws = new WebSocket(WS_URL, { perMessageDeflate: false });
		const c = { ws, msg, ok: false };
		clients[i] = c;
		ws.on('message', (buf) => {
			const s = buf.toString();
			if (s === '2')
				ws.send('3');
			else if (s[0] === '0')
				ws.send('40');
			else if (s.startsWith('40{'))
				ws.send(`42["join",{"roomId":"${roomId}"}]`);
			else if (s.startsWith('42["joined"')) {
				c.ok = true;
				joined++;
				resolve();
			} else if (s.startsWith('42["message"')) {
				relayed++;
			}
		});
		const bad = (e) => {
			if (!c.ok) {
				failed++;
				process.stderr.write(`client ${i}: ${e && e.message || e}\n`);
				resolve();
			}
		};
		ws.on('error', bad);
		ws.on('close', () => bad('closed'));
	});
}

async function main() {
	let next = 0;
	const workers = [];
	for (let w = 0; w < 200; w++)
		workers.push((async () => {
			while (next < N)
				await start(next++);
		})());
	await Promise.all(workers);
	console.log(`joined ${joined}${failed ? ` failed ${failed}` : ''}`);
	const rl = readline.createInterface({ input: process.stdin });
	if (mode === 'idle') {
		rl.on('close', () => process.exit(0));
		return;
	}
	const secs = Number(secStr || 5);
	const rate = Number(rateStr || 5000);
	const warm = Number(warmStr === undefined ? 2 : warmStr);
	await new Promise((resolve) => rl.once('line', resolve));
	const ready = clients.filter((c, i) => c.ok && clients[i ^ 1] && clients[i ^ 1].ok);
	let sent = 0;
	let turn = 0;
	let owed = 0;
	const tick = setInterval(() => {
		owed += rate / 100;
		for (; owed >= 1; owed--) {
			const c = ready[turn++ % ready.length];
			if (c.ws.bufferedAmount < 65536) {
				c.ws.send(c.msg);
				sent++;
			}
		}
	}, 10);
	setTimeout(() => {
		const mark = relayed;
		const markSent = sent;
		console.log('mark');
		setTimeout(() => {
			clearInterval(tick);
			console.log(`relayed ${relayed - mark} sent ${sent - markSent}`);
			process.exit(0);
		}, secs * 1000);
	}, warm * 1000);
}

main();
