/**
 * In the browser: `new WebSocket` cannot send `Authorization`, so the token travels as one of the
 * offered subprotocols, beside the one the app speaks (the server answers with that one).
 */
export function openChat(url: string, accessToken: string, onExpired: () => void): WebSocket {
  const socket = new WebSocket(url, ['chat', `bearer.${accessToken}`]);
  socket.addEventListener('close', (event) => {
    // 4401: the token expired, was revoked or its key withdrawn; get a new one and reconnect.
    if (event.code === 4401) onExpired();
  });
  return socket;
}
