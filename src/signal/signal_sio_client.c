/* The socket.io-client bundle served at socketio-path. */
#include "signal/signal_http.h"
#include "signal/signal_internal.h"

bool sig_sio_client_file(struct sig_conn *c, const struct http_request *req)
{
	return false;
}
