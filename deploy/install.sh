#!/bin/sh
# Install paperbot as deploy/systemd/paperbot@.service expects it, from this checkout:
#   sudo deploy/install.sh                 as root: user, folders, venv, unit, env file, service enabled
#   PREFIX=/tmp/x deploy/install.sh        the same under a scratch folder, as anyone (no user, no systemctl)
# Settings: PREFIX (default empty: the real system), PYTHON (default python3), PIP_OPTS (extra `pip install`
# options, e.g. --no-index --find-links=WHEELS offline), PACKAGE (what pip installs: default the copied
# checkout), SERVICE (default paperbot@0).
# It never overwrites an existing env file, and never starts the bot: fill /etc/paperbot/paperbot.env
# (DISCORD_TOKEN, DATABASE_URL, CORPUS_DIR), then `systemctl start paperbot@0`.
set -eu

PREFIX="${PREFIX:-}"
PYTHON="${PYTHON:-python3}"
PIP_OPTS="${PIP_OPTS:-}"
PACKAGE="${PACKAGE:-}"
SERVICE="${SERVICE:-paperbot@0}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
APP="$PREFIX/opt/paperbot"
ETC="$PREFIX/etc/paperbot"
DATA="$PREFIX/var/lib/paperbot"
UNITS="$PREFIX/etc/systemd/system"

if [ -z "$PREFIX" ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo), or set PREFIX to install under a scratch folder" >&2
    exit 2
fi

# 1. The user the unit runs as: a system user, no login shell, home /opt/paperbot.
if [ -z "$PREFIX" ] && ! id paperbot >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /opt/paperbot --shell /usr/sbin/nologin paperbot
fi

# 2. The folders: the code, the settings, the data (index snapshots, a SQLite file, the corpus folder).
mkdir -p "$APP" "$ETC" "$DATA/corpus" "$UNITS"
# The checkout, without its own venv, caches, git history or a developer's .env (the service reads its
# settings from $ETC/paperbot.env, and a .env in its working folder would fill in what that file leaves
# unset). The code folders are replaced whole, so a module removed upstream does not stay installed.
rm -rf "$APP/bot" "$APP/store" "$APP/seeds"
tar -C "$SRC" --exclude=./.venv --exclude=./.git --exclude='*/__pycache__' --exclude=./.pytest_cache \
    --exclude=./.ruff_cache --exclude=./.hypothesis --exclude=./.env -cf - . | tar -C "$APP" -xf -

# 3. The venv, and paperbot installed into it (`paperbot` lands in /opt/paperbot/.venv/bin).
[ -x "$APP/.venv/bin/python" ] || "$PYTHON" -m venv "$APP/.venv"
# shellcheck disable=SC2086  # PIP_OPTS is a list of options
"$APP/.venv/bin/python" -m pip install --quiet --disable-pip-version-check $PIP_OPTS "${PACKAGE:-$APP}"

# 4. The unit and the env file (kept if already there: it holds the token).
cp "$SRC/deploy/systemd/paperbot@.service" "$UNITS/paperbot@.service"
[ -e "$ETC/paperbot.env" ] || cp "$SRC/deploy/paperbot.env.example" "$ETC/paperbot.env"
chmod 640 "$ETC/paperbot.env"

# 5. Ownership and the service: only on the real system.
if [ -z "$PREFIX" ]; then
    chown -R paperbot:paperbot "$APP" "$DATA"
    chown root:paperbot "$ETC/paperbot.env"
    systemctl daemon-reload
    systemctl enable "$SERVICE"
    echo "installed: fill $ETC/paperbot.env, then: systemctl start $SERVICE && journalctl -fu $SERVICE"
else
    echo "installed under $PREFIX (no user, no systemctl)"
fi
