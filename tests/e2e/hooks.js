// The browser tests' window.turnroomTest, injected by lib.mjs's openPage
// (context.addInitScript) into every new document; the shipped page has no
// test hooks. It reads the live state call.js exports: importing the URL
// the page loaded call.js from yields the same module instance.
(() => {
	const install = async () => {
		const tag = document.querySelector('script[type="module"][src$="call.js"]');
		if (!tag)
			return; // not the call page
		const call = await import(tag.src);
		const { sample } = await import(new URL('quality.js', tag.src).href);
		const kindStats = async (kind, type) => {
			const out = [];
			if (call.pc)
				(await call.pc.getStats()).forEach((s) => s.type === type && s.kind === kind && out.push(s));
			return out;
		};
		window.turnroomTest = {
			get pc() { return call.pc; },
			get room() { return call.room; },
			get senders() { return call.senders; },
			get counters() { return call.counters; },
			async framesDecoded() {
				return (await kindStats('video', 'inbound-rtp')).reduce((n, s) => n + (s.framesDecoded || 0), 0);
			},
			async audioEnergy() {
				return (await kindStats('audio', 'inbound-rtp')).reduce((n, s) => n + (s.totalAudioEnergy || 0), 0);
			},
			async inboundVideo() {
				const s = (await kindStats('video', 'inbound-rtp'))[0];
				return s ? { width: s.frameWidth, height: s.frameHeight, frames: s.framesDecoded } : null;
			},
			// The path call.js's quality line shows, from the same quality.js.
			async path() {
				const pc = call.pc;
				const s = pc && sample(await pc.getStats(), performance.now());
				return s && { local: s.local, remote: s.remote, relayProtocol: s.relayProtocol, id: s.localId };
			},
			closeSignaling() { call.room.ws.close(); },
		};
	};
	// Module scripts run before DOMContentLoaded: call.js is evaluated by then.
	document.addEventListener('DOMContentLoaded', () => {
		install().catch((e) => console.error('tests/e2e/hooks.js: ' + e));
	});
})();
