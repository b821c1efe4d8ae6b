/*
 * Connections for the pseudo-calls connect, handshake and read: an in-memory
 * handshake over a BIO pair (the certificate is cert.c's).
 */
#include <openssl/err.h>

#include "runtime.h"

typedef enum { RUNNING, DONE, FAILED } Side;

static void step_side(SSL *ssl, Side *side)
{
    int r = SSL_do_handshake(ssl);

    if (r == 1) {
        *side = DONE;
        return;
    }
    switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return;
    default:
        *side = FAILED;
    }
}

/* Bytes moved through the pair so far: no change in a round means deadlock. */
static uint64_t traffic(BIO *a, BIO *b)
{
    uint64_t n = 0;

    if (a != NULL)
        n += BIO_number_read(a) + BIO_number_written(a);
    if (b != NULL)
        n += BIO_number_read(b) + BIO_number_written(b);
    return n;
}

/*
 * A fresh BIO pair when either side is fresh (new, or SSL_clear'ed): that is
 * when a real application would connect it to a new socket. SSL_set_bio
 * frees a previous connection's BIOs. Two SSLs that already completed a
 * handshake keep theirs, so SSL_do_handshake returns 1 at once (as
 * SSL_connect does on a finished connection) and unread tickets stay
 * readable.
 */
static void attach(SSL *client, SSL *server)
{
    BIO *cbio, *sbio;

    if (!SSL_in_before(client) && !SSL_in_before(server))
        return;
    if (!BIO_new_bio_pair(&cbio, 0, &sbio, 0))
        die("BIO_new_bio_pair failed");
    SSL_set_bio(client, cbio, cbio);
    SSL_set_bio(server, sbio, sbio);
    if (SSL_in_before(client))
        SSL_set_connect_state(client);
    if (SSL_in_before(server))
        SSL_set_accept_state(server);
}

static int handshake_pair(SSL *client, SSL *server, int read_tickets)
{
    BIO *cbio, *sbio;
    Side cs = RUNNING, ss = RUNNING;

    attach(client, server);
    cbio = SSL_get_rbio(client);
    sbio = SSL_get_rbio(server);

    /* Alternate until both finish; after a failure keep going while bytes
     * move, so the peer reads the alert (alerts remove sessions, spec §8). */
    for (int round = 0; round < 1000 && (cs == RUNNING || ss == RUNNING); round++) {
        uint64_t before = traffic(cbio, sbio);
        Side cbefore = cs, sbefore = ss;
        if (cs == RUNNING)
            step_side(client, &cs);
        if (ss == RUNNING)
            step_side(server, &ss);
        if (traffic(cbio, sbio) == before && cs == cbefore && ss == sbefore)
            break;
    }
    ERR_clear_error();
    if (cs == DONE && ss == DONE) {
        if (read_tickets)
            sim_read(client);
        return 1;
    }
    return 0;
}

static void count_tickets(int write_p, int version, int content_type, const void *buf,
                          size_t len, SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0
        && ((const unsigned char *)buf)[0] == SSL3_MT_NEWSESSION_TICKET)
        ++*(int *)arg;
}

/* SSL_read until it would block: processes tickets and close_notify. */
int sim_read(SSL *ssl)
{
    unsigned char buf[512];
    int tickets = 0;

    SSL_set_msg_callback(ssl, count_tickets);
    SSL_set_msg_callback_arg(ssl, &tickets);
    for (int i = 0; i < 256 && SSL_read(ssl, buf, sizeof(buf)) > 0; i++)
        continue;
    SSL_set_msg_callback(ssl, NULL);
    SSL_set_msg_callback_arg(ssl, NULL);
    ERR_clear_error();
    return tickets;
}

int sim_connect(SSL *client, SSL *server)
{
    return handshake_pair(client, server, 1);
}

int sim_handshake(SSL *client, SSL *server)
{
    return handshake_pair(client, server, 0);
}
