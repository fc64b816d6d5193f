<?php
/*
 * WordPress configuration for the container, loaded by Debian's
 * /usr/share/wordpress/wp-config.php for any host name (config-default.php
 * is its fallback when no /etc/wordpress/config-<host>.php exists).
 *
 * Everything comes from the environment so the image holds no secrets:
 *   WORDPRESS_DB_HOST      (default "mysql", the link alias of the db service)
 *   WORDPRESS_DB_NAME      (default "wordpress")
 *   WORDPRESS_DB_USER      (default "wordpress")
 *   WORDPRESS_DB_PASSWORD
 *   WORDPRESS_TABLE_PREFIX (default "wp_")
 *   WORDPRESS_URL          public URL, e.g. http://127.0.0.1:8080; when empty
 *                          the URL is taken from the request's Host header
 *   WORDPRESS_DEBUG        "1" to enable WP_DEBUG (logged to stderr)
 * Authentication keys and salts: WORDPRESS_AUTH_KEY, ... WORDPRESS_NONCE_SALT;
 * when unset, WordPress generates them and stores them in the database.
 */

function stack_env($name, $default = '')
{
    $v = getenv($name);
    return ($v === false || $v === '') ? $default : $v;
}

define('DB_NAME', stack_env('WORDPRESS_DB_NAME', 'wordpress'));
define('DB_USER', stack_env('WORDPRESS_DB_USER', 'wordpress'));
define('DB_PASSWORD', stack_env('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', stack_env('WORDPRESS_DB_HOST', 'mysql'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = stack_env('WORDPRESS_TABLE_PREFIX', 'wp_');

foreach (array('AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY',
               'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT') as $k) {
    $v = stack_env('WORDPRESS_' . $k);
    if ($v !== '') {
        define($k, $v);
    }
}

/* Site URL: fixed from WORDPRESS_URL, or whatever host:port the browser used
 * (so http://127.0.0.1:8080 and the in-container healthcheck on
 * http://localhost both work without redirects). */
$stack_url = rtrim(stack_env('WORDPRESS_URL'), '/');
if ($stack_url === '' && !empty($_SERVER['HTTP_HOST'])) {
    $https = (!empty($_SERVER['HTTPS']) && $_SERVER['HTTPS'] !== 'off')
        || (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https');
    $stack_url = ($https ? 'https' : 'http') . '://' . $_SERVER['HTTP_HOST'];
}
if ($stack_url !== '') {
    define('WP_HOME', $stack_url);
    define('WP_SITEURL', $stack_url);
}

define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');
define('FS_METHOD', 'direct');
define('DISALLOW_FILE_EDIT', true);

if (stack_env('WORDPRESS_DEBUG') === '1') {
    define('WP_DEBUG', true);
    define('WP_DEBUG_LOG', 'php://stderr');
    define('WP_DEBUG_DISPLAY', false);
}
