#!/bin/sh
# /usr/bin/statewall: the controller and its command line (statewall --help, man statewall).
# STATEWALL_JAVA_OPTS adds JVM options (the service sets them in /etc/default/statewall).
# A JVM out of memory exits at once, so that systemd restarts it, instead of limping on.
exec java -XX:+ExitOnOutOfMemoryError ${STATEWALL_JAVA_OPTS:-} -jar /usr/share/statewall/statewall.jar "$@"
