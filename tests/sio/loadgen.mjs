// Load generator of `scripts/bench socketio`: many raw WebSocket clients in
// one process speaking the Engine.IO v4 / Socket.IO v5 text protocol by hand
// (open packet, "40", 42["join"...], pongs), so 10k clients do not need 10k
// socket.io-client instances. Clients 2k and 2k+1 share room "b<k>".
//
// node loadgen.mjs URL CLIENTS idle
//   connects CLIENTS clients (at most 200 handshakes in flight), prints
//   "joined N" once every one got `joined`, then answers pings until stdin
//   closes.
// node loadgen.mjs URL CLIENTS relay SECONDS INFLIGHT
//   as above, then waits for a line "go" on stdin; each pair keeps INFLIGHT
//   `message` events bouncing (each received message is answered by one to
//   the peer) for SECONDS, then prints "relayed N" (messages received by
//   clients, i.e. relayed by the server) and exits.
import WebSocket from 'ws';
import readline from 'node:readline';

const [url, nStr, mode, secStr, inflightStr] = process.argv.slice(2);
const N = Number(nStr);
const WS_URL = url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
const PAYLOAD = JSON.stringify({ type: 'candidate', value: { candidate:
	'candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 10.0.0.2 rport 54321 generation 0',
	sdpMid: '0', sdpMLineIndex: 0 } });

let joined = 0;
let relayed = 0;
let running = false;
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
				if (running)
					ws.send(msg);
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
	const inflight = Number(inflightStr || 4);
	await new Promise((resolve) => rl.once('line', resolve));
	running = true;
	relayed = 0;
	for (let i = 0; i < N; i += 2)
		for (let k = 0; k < inflight; k++)
			if (clients[i].ok && clients[i + 1] && clients[i + 1].ok)
				clients[i].ws.send(clients[i].msg);
	setTimeout(() => {
		running = false;
		console.log(`relayed ${relayed}`);
		process.exit(0);
	}, secs * 1000);
}

main();
