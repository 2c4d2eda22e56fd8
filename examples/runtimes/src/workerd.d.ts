// The few workerd globals src/workerd-websocket.ts uses, as @cloudflare/workers-types declares them
// (an app on Workers has that package; here the DOM types of the tests' Node side stay in charge).

/** workerd's pair of connected WebSockets: `0` goes to the client in the 101, `1` stays here. */
declare class WebSocketPair {
  0: WebSocket;
  1: WebSocket;
}

interface WebSocket {
  /** Starts delivering this end's events (workerd). */
  accept(): void;
}

interface ResponseInit {
  /** The client end of a `WebSocketPair`, with status 101 (workerd). */
  webSocket?: WebSocket | null;
}
