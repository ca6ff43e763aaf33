#pragma once

namespace agg {

/// The socket the last accept() on this thread returned, once: later calls give -1 until
/// the next accept. httplib's listening thread accepts a connection and, on the same thread,
/// hands a closure that hides the socket to TaskQueue::enqueue; this is how the queue learns
/// which socket it serves (see accepted_socket.cpp).
int take_accepted_socket();

} // namespace agg
