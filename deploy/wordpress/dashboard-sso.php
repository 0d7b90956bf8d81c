<?php
/**
 * Plugin Name: Members' dashboard single sign-on
 * Description: Signs WordPress users in to the members' dashboard with one click. A must-use plugin: copy this one file to wp-content/mu-plugins/ and define DASHBOARD_SSO_SECRET and DASHBOARD_URL in wp-config.php.
 * Version: 1.1.0
 * Requires at least: 6.0
 * Requires PHP: 7.4
 *
 * How it works (the dashboard's DESIGN.md, "WordPress plugin contract"):
 *
 * The sign-on starts at wp-admin/admin-post.php?action=dashboard_sso[&next=<path under the
 * dashboard>]. A visitor who is not signed in to WordPress is sent through wp-login.php (with
 * whatever two-factor or lockout plugins the site runs) and back. A signed-in user gets a page
 * that POSTs, by itself, a short-lived token to <DASHBOARD_URL>/auth/wordpress: an HS256 JWT
 * signed with DASHBOARD_SSO_SECRET, holding iss (this site's URL), aud ("dashboard"), sub (the
 * user id), login, email, name, roles, iat, exp (60 s later), a random jti and auth_time (when
 * this WordPress sign-in typed its password: its session's login time). A form post, not a link:
 * a token in a URL ends up in logs, history and Referer headers.
 *
 * With step_up=1 (the dashboard's "Confirm with WordPress", before an admin action that changes
 * who can use it), a WordPress sign-in older than three minutes is first sent to wp-login.php
 * with reauth=1, which asks for the password again, and then back here. The dashboard takes a
 * recent auth_time as that confirmation; merely being signed in to WordPress is not one, since a
 * script on this site could start the round trip itself, but it cannot type the password.
 *
 * The links this plugin draws (the admin bar's "Dashboard", the [dashboard_link] shortcode) carry
 * a nonce and go straight through. A start without a valid nonce (the dashboard's own "Sign in
 * with WordPress" button, an old link) asks the user to confirm with one click first, so that no
 * other site can sign a visitor in to the dashboard behind their back.
 *
 * wp-config.php:
 *   define( 'DASHBOARD_SSO_SECRET', '...' ); // the dashboard's WP_SSO_SECRET: at least 32 random characters
 *   define( 'DASHBOARD_URL', 'https://dashboard.example.org' ); // no trailing slash
 *
 * Filters: dashboard_sso_capability (default "read": who may use the dashboard),
 * dashboard_sso_link_text (default "Dashboard").
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const DASHBOARD_SSO_ACTION = 'dashboard_sso';
const DASHBOARD_SSO_LIFETIME = 60;
/**
 * step_up=1: a WordPress sign-in older than this (seconds) types its password again. Under the
 * dashboard's STEP_UP_SECONDS (300), which counts from the same login time: a confirmation got
 * this way then lasts at least two minutes, never a few seconds.
 */
const DASHBOARD_SSO_STEP_UP_AGE = 180;

/** What is missing or wrong in wp-config.php, as sentences; empty when the plugin is set up. */
function dashboard_sso_problems() {
	$problems = array();
	if ( ! defined( 'DASHBOARD_SSO_SECRET' ) || ! is_string( DASHBOARD_SSO_SECRET ) || '' === DASHBOARD_SSO_SECRET ) {
		$problems[] = 'DASHBOARD_SSO_SECRET is not defined.';
	} elseif ( strlen( DASHBOARD_SSO_SECRET ) < 32 ) {
		$problems[] = 'DASHBOARD_SSO_SECRET is shorter than 32 characters.';
	}
	if ( ! defined( 'DASHBOARD_URL' ) || ! is_string( DASHBOARD_URL ) || '' === DASHBOARD_URL ) {
		$problems[] = 'DASHBOARD_URL is not defined.';
	} elseif ( ! preg_match( '#^https?://[^/?\#\s]+(/[^?\#\s]*)?$#', DASHBOARD_URL ) ) {
		$problems[] = 'DASHBOARD_URL is not an http:// or https:// address without ? or #.';
	}
	return $problems;
}

function dashboard_sso_ready() {
	return array() === dashboard_sso_problems();
}

function dashboard_sso_dashboard_url() {
	return untrailingslashit( DASHBOARD_URL );
}

function dashboard_sso_capability() {
	return (string) apply_filters( 'dashboard_sso_capability', 'read' );
}

/** May the current user go to the dashboard? */
function dashboard_sso_allowed() {
	return is_user_logged_in() && current_user_can( dashboard_sso_capability() );
}

/**
 * A path under the dashboard, or ''. The dashboard checks it again (only its own pages are
 * accepted); here nothing that could leave the site is even passed on.
 */
function dashboard_sso_clean_next( $next ) {
	if ( ! is_string( $next ) || '' === $next || strlen( $next ) > 500 ) {
		return '';
	}
	if ( '/' !== $next[0] || 0 === strpos( $next, '//' ) || preg_match( '/[\\\\\s\x00-\x1f\x7f]/', $next ) ) {
		return '';
	}
	return $next;
}

/** The start URL; with a nonce (for the signed-in user) unless $with_nonce is false. */
function dashboard_sso_start_url( $next = '', $with_nonce = true, $step_up = false ) {
	$args = array( 'action' => DASHBOARD_SSO_ACTION );
	if ( $step_up ) {
		$args['step_up'] = '1';
	}
	$next = dashboard_sso_clean_next( $next );
	if ( '' !== $next ) {
		$args['next'] = rawurlencode( $next );
	}
	if ( $with_nonce ) {
		$args['_wpnonce'] = wp_create_nonce( DASHBOARD_SSO_ACTION );
	}
	return add_query_arg( $args, admin_url( 'admin-post.php' ) );
}

/** Was step_up=1 asked for? */
function dashboard_sso_step_up_asked() {
	return isset( $_GET['step_up'] ) && '1' === $_GET['step_up']; // phpcs:ignore WordPress.Security.NonceVerification -- only compared.
}

/** When the current WordPress sign-in typed its password (its session token's login time); 0 if unknown. */
function dashboard_sso_login_time() {
	$token = wp_get_session_token();
	if ( '' === $token ) {
		return 0;
	}
	$session = WP_Session_Tokens::get_instance( get_current_user_id() )->get( $token );
	return ( is_array( $session ) && isset( $session['login'] ) && is_numeric( $session['login'] ) ) ? (int) $session['login'] : 0;
}

function dashboard_sso_base64url( $data ) {
	return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' );
}

/** The signed token for $user (see the header comment for its claims). */
function dashboard_sso_token( WP_User $user ) {
	$now    = time();
	$header = array(
		'typ' => 'JWT',
		'alg' => 'HS256',
	);
	$claims = array(
		'iss'   => untrailingslashit( home_url() ),
		'aud'   => 'dashboard',
		'sub'   => (string) $user->ID,
		'login' => $user->user_login,
		'email' => $user->user_email,
		'name'  => $user->display_name,
		'roles' => array_values( array_map( 'strval', (array) $user->roles ) ),
		'iat'   => $now,
		'exp'   => $now + DASHBOARD_SSO_LIFETIME,
		'jti'   => bin2hex( random_bytes( 16 ) ),
	);
	$login = dashboard_sso_login_time();
	if ( $login > 0 ) {
		$claims['auth_time'] = $login;
	}
	$input = dashboard_sso_base64url( wp_json_encode( $header ) ) . '.' . dashboard_sso_base64url( wp_json_encode( $claims ) );
	return $input . '.' . dashboard_sso_base64url( hash_hmac( 'sha256', $input, DASHBOARD_SSO_SECRET, true ) );
}

/** scheme://host[:port] of a URL, for the page's form-action policy. */
function dashboard_sso_origin( $url ) {
	$parts = wp_parse_url( $url );
	$port  = isset( $parts['port'] ) ? ':' . $parts['port'] : '';
	return strtolower( $parts['scheme'] . '://' . $parts['host'] ) . $port;
}

/** Headers for the plugin's own small pages: never cached, never framed. */
function dashboard_sso_page_headers( $script_nonce = '' ) {
	nocache_headers();
	header( 'Content-Type: text/html; charset=utf-8' );
	header( 'X-Frame-Options: DENY' );
	// The browser then sends this site's origin in the form post's Origin header, which the
	// dashboard requires (no-referrer would make it "null").
	header( 'Referrer-Policy: strict-origin-when-cross-origin' );
	$form_action = "'self'";
	if ( dashboard_sso_ready() ) {
		$form_action .= ' ' . dashboard_sso_origin( dashboard_sso_dashboard_url() );
	}
	$script = '' === $script_nonce ? "'none'" : "'nonce-" . $script_nonce . "'";
	header( "Content-Security-Policy: default-src 'none'; script-src " . $script . '; form-action ' . $form_action . "; base-uri 'none'; frame-ancestors 'none'" );
}

function dashboard_sso_page( $title, $body, $script = '' ) {
	$nonce = '' === $script ? '' : dashboard_sso_base64url( random_bytes( 16 ) );
	dashboard_sso_page_headers( $nonce );
	echo '<!doctype html><html ' . get_language_attributes() . '><head><meta charset="utf-8">';
	echo '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">';
	echo '<title>' . esc_html( $title ) . '</title></head><body>' . $body; // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts.
	if ( '' !== $script ) {
		echo '<script nonce="' . esc_attr( $nonce ) . '">' . $script . '</script>'; // phpcs:ignore WordPress.Security.EscapeOutput -- a fixed script.
	}
	echo '</body></html>';
	exit;
}

/** A visitor who is not signed in: WordPress's own sign-in first, then back here. */
function dashboard_sso_visitor() {
	$next = isset( $_GET['next'] ) ? dashboard_sso_clean_next( wp_unslash( $_GET['next'] ) ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput,WordPress.Security.NonceVerification -- checked by dashboard_sso_clean_next; no nonce exists yet.
	wp_safe_redirect( wp_login_url( dashboard_sso_start_url( $next, false, dashboard_sso_step_up_asked() ) ) );
	exit;
}

/** A signed-in user: the self-submitting form (or, without a valid nonce, one click to confirm). */
function dashboard_sso_member() {
	if ( ! dashboard_sso_ready() ) {
		wp_die( esc_html__( 'Signing in to the dashboard is not set up on this site yet. Please tell the site\'s administrator.' ), esc_html__( 'Dashboard' ), array( 'response' => 503 ) );
	}
	if ( ! dashboard_sso_allowed() ) {
		wp_die( esc_html__( 'Your account on this site does not give access to the dashboard.' ), esc_html__( 'Dashboard' ), array( 'response' => 403 ) );
	}
	$next  = isset( $_GET['next'] ) ? dashboard_sso_clean_next( wp_unslash( $_GET['next'] ) ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput,WordPress.Security.NonceVerification -- checked by dashboard_sso_clean_next; the nonce is checked below.
	$nonce = isset( $_GET['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $_GET['_wpnonce'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- it is the nonce.
	$user  = wp_get_current_user();
	$step  = dashboard_sso_step_up_asked();

	// Before the nonce: signing in again makes a new session, and a nonce made for the old one
	// would fail after it, asking for the click twice.
	if ( $step && time() - dashboard_sso_login_time() > DASHBOARD_SSO_STEP_UP_AGE ) {
		wp_safe_redirect( wp_login_url( dashboard_sso_start_url( $next, false, true ), true ) );
		exit;
	}

	if ( ! wp_verify_nonce( $nonce, DASHBOARD_SSO_ACTION ) ) {
		$body = '<main><h1>' . esc_html__( 'Go to the dashboard?' ) . '</h1>'
			/* translators: %s: the user's display name. */
			. '<p>' . esc_html( sprintf( __( 'You are signed in to this site as %s.' ), $user->display_name ) ) . '</p>'
			. '<form method="get" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">'
			. '<input type="hidden" name="action" value="' . esc_attr( DASHBOARD_SSO_ACTION ) . '">'
			. ( $step ? '<input type="hidden" name="step_up" value="1">' : '' )
			. ( '' === $next ? '' : '<input type="hidden" name="next" value="' . esc_attr( $next ) . '">' )
			. '<input type="hidden" name="_wpnonce" value="' . esc_attr( wp_create_nonce( DASHBOARD_SSO_ACTION ) ) . '">'
			. '<p><button type="submit" id="dashboard-sso-continue">' . esc_html__( 'Continue to the dashboard' ) . '</button> '
			. '<a href="' . esc_url( home_url( '/' ) ) . '">' . esc_html__( 'Cancel' ) . '</a></p></form></main>';
		dashboard_sso_page( __( 'Go to the dashboard?' ), $body );
	}

	$body = '<form id="dashboard-sso" method="post" action="' . esc_url( dashboard_sso_dashboard_url() . '/auth/wordpress' ) . '">'
		. '<input type="hidden" name="token" value="' . esc_attr( dashboard_sso_token( $user ) ) . '">'
		. '<input type="hidden" name="next" value="' . esc_attr( $next ) . '">'
		. '<p>' . esc_html__( 'Signing you in to the dashboard…' ) . '</p>'
		. '<noscript><button type="submit">' . esc_html__( 'Continue to the dashboard' ) . '</button></noscript></form>';
	dashboard_sso_page( __( 'Signing in to the dashboard' ), $body, "document.getElementById('dashboard-sso').submit();" );
}

add_action( 'admin_post_nopriv_' . DASHBOARD_SSO_ACTION, 'dashboard_sso_visitor' );
add_action( 'admin_post_' . DASHBOARD_SSO_ACTION, 'dashboard_sso_member' );

/** "Dashboard" in the admin bar, for those allowed in. */
add_action(
	'admin_bar_menu',
	function ( $bar ) {
		if ( ! dashboard_sso_ready() || ! dashboard_sso_allowed() ) {
			return;
		}
		$bar->add_node(
			array(
				'id'    => 'dashboard-sso',
				'title' => esc_html( apply_filters( 'dashboard_sso_link_text', __( 'Dashboard' ) ) ),
				'href'  => dashboard_sso_start_url(),
			)
		);
	},
	80
);

/** [dashboard_link text="Members' dashboard" next="/dashboard/admin"]: nothing for visitors not signed in. */
add_shortcode(
	'dashboard_link',
	function ( $atts ) {
		if ( ! dashboard_sso_ready() || ! dashboard_sso_allowed() ) {
			return '';
		}
		$atts = shortcode_atts(
			array(
				'text' => apply_filters( 'dashboard_sso_link_text', __( 'Dashboard' ) ),
				'next' => '',
			),
			$atts,
			'dashboard_link'
		);
		return '<a class="dashboard-sso-link" href="' . esc_url( dashboard_sso_start_url( (string) $atts['next'] ) ) . '">' . esc_html( $atts['text'] ) . '</a>';
	}
);

/** Say so on the admin screens while wp-config.php lacks what the plugin needs. */
add_action(
	'admin_notices',
	function () {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$problems = dashboard_sso_problems();
		if ( array() === $problems ) {
			return;
		}
		echo '<div class="notice notice-warning" id="dashboard-sso-notice"><p><strong>' . esc_html__( 'Dashboard single sign-on is off.' ) . '</strong> '
			. esc_html( implode( ' ', $problems ) ) . ' '
			. esc_html__( 'Define both in wp-config.php: DASHBOARD_SSO_SECRET (the dashboard\'s WP_SSO_SECRET) and DASHBOARD_URL (its address, no trailing slash).' )
			. '</p></div>';
	}
);
