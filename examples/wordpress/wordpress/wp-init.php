<?php
/*
 * One-shot, non-interactive WordPress installation (what the web installer,
 * wp-admin/install.php?step=2, does), for the "wp-init" service.
 *
 * Environment: the WORDPRESS_DB_* variables of config-default.php, plus
 *   WORDPRESS_URL             site URL stored in the database
 *                             (default http://127.0.0.1:8080)
 *   WORDPRESS_TITLE           site title (default "My stack site")
 *   WORDPRESS_ADMIN_USER      (default "admin")
 *   WORDPRESS_ADMIN_PASSWORD  required
 *   WORDPRESS_ADMIN_EMAIL     (default "admin@example.com")
 *   WORDPRESS_INIT_TIMEOUT    seconds to wait for the database (default 60)
 *
 * Exit status: 0 when the site is installed (now or already before),
 * 1 on any error. WordPress's own fatal paths (wp_die) exit 0, so the
 * database is checked with mysqli first and the result verified at the end.
 */

function wpinit_env($name, $default = '')
{
    $v = getenv($name);
    return ($v === false || $v === '') ? $default : $v;
}

function fail($msg)
{
    fwrite(STDERR, "wp-init: error: $msg\n");
    exit(1);
}

function say($msg)
{
    fwrite(STDOUT, "wp-init: $msg\n");
}

$url = rtrim(wpinit_env('WORDPRESS_URL', 'http://127.0.0.1:8080'), '/');
putenv("WORDPRESS_URL=$url");
$host = parse_url($url, PHP_URL_HOST);
if (!$host) {
    fail("WORDPRESS_URL is not a URL: $url");
}
$port = parse_url($url, PHP_URL_PORT);
// Debian's wp-config.php picks its config file from the Host header.
$_SERVER['HTTP_HOST'] = $host . ($port ? ":$port" : '');
$_SERVER['REQUEST_URI'] = '/wp-admin/install.php';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'GET';

$title = wpinit_env('WORDPRESS_TITLE', 'My stack site');
$user = wpinit_env('WORDPRESS_ADMIN_USER', 'admin');
$password = wpinit_env('WORDPRESS_ADMIN_PASSWORD');
$email = wpinit_env('WORDPRESS_ADMIN_EMAIL', 'admin@example.com');
if ($password === '') {
    fail('WORDPRESS_ADMIN_PASSWORD is not set');
}

// Wait for the database with plain mysqli: WordPress would print an HTML
// error page and exit 0 if it cannot connect.
$dbhost = wpinit_env('WORDPRESS_DB_HOST', 'mysql');
$dbport = 3306;
if (preg_match('/^(.*):(\d+)$/', $dbhost, $m)) {
    $dbhost = $m[1];
    $dbport = (int) $m[2];
}
mysqli_report(MYSQLI_REPORT_OFF);
$deadline = time() + (int) wpinit_env('WORDPRESS_INIT_TIMEOUT', '60');
while (true) {
    $db = @mysqli_connect($dbhost, wpinit_env('WORDPRESS_DB_USER', 'wordpress'),
        wpinit_env('WORDPRESS_DB_PASSWORD'), wpinit_env('WORDPRESS_DB_NAME', 'wordpress'), $dbport);
    if ($db) {
        mysqli_close($db);
        break;
    }
    if (time() >= $deadline) {
        fail("cannot connect to the database at $dbhost:$dbport: " . mysqli_connect_error());
    }
    sleep(1);
}

define('WP_INSTALLING', true);
require_once '/usr/share/wordpress/wp-load.php';
// No mail transport in the container: skip the "new site" e-mail.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password)
{
}
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

if (is_blog_installed()) {
    say("already installed: \"" . get_option('blogname') . "\" at " . get_option('home'));
    exit(0);
}

say("installing \"$title\" at $url (admin user: $user)");
$result = wp_install($title, $user, $email, true, '', wp_slash($password));
if (is_wp_error($result)) {
    fail($result->get_error_message());
}
update_option('siteurl', $url);
update_option('home', $url);
update_option('permalink_structure', '/%postname%/');

wp_cache_flush();
if (!is_blog_installed()) {
    fail('installation did not complete');
}
say('installed');
exit(0);
