/* The server certificate: every server-capable ctx gets it (clients do not verify). */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "runtime.h"

static EVP_PKEY *g_key;
static X509 *g_cert;

/* A P-256 key and a self-signed certificate, made once. */
void sim_cert_init(void)
{
    X509_NAME *name;

    g_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    g_cert = X509_new();
    if (g_key == NULL || g_cert == NULL)
        die("cannot generate the server key");
    name = X509_get_subject_name(g_cert);
    if (!X509_set_version(g_cert, X509_VERSION_3)
        || !ASN1_INTEGER_set(X509_get_serialNumber(g_cert), 1)
        || !X509_gmtime_adj(X509_getm_notBefore(g_cert), -10L * 365 * 86400)
        || !X509_gmtime_adj(X509_getm_notAfter(g_cert), 30L * 365 * 86400)
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       (const unsigned char *)"ssl-session-sim", -1, -1, 0)
        || !X509_set_issuer_name(g_cert, name)
        || !X509_set_pubkey(g_cert, g_key)
        || !X509_sign(g_cert, g_key, EVP_sha256()))
        die("cannot make the server certificate");
}

SSL_CTX *sim_use_certificate(SSL_CTX *ctx)
{
    if (ctx != NULL && (!SSL_CTX_use_certificate(ctx, g_cert) || !SSL_CTX_use_PrivateKey(ctx, g_key)))
        die("cannot install the server certificate");
    return ctx;
}
