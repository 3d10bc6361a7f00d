# fail2ban-cluster: announce this host's bans and unbans to the fleet, from inside fail2ban.
#
# fail2ban loads this file into its own process, so a ban starts no program: it is handed to the local
# fail2ban-clusterd over its control socket, which keeps it on disk (synced) in its outbox before it
# answers, and delivers it to every server that carries the channel, retrying until each has it.
# When no agent answers (stopped, restarting), the ban is published by fail2ban-cluster-client instead,
# so it is never dropped.
#
# In a jail (see jail.d/fail2ban-cluster.conf.example):
#     action = %(action_)s
#              fail2ban_cluster.py[channel=Fail2ban]
# Options, all optional: socket (the agent's control_socket), channel, source (what agents with
# skip_own compare with their hostname; default this machine's fully qualified name, as fail2ban's
# <fq-hostname>), config and client (for the fallback), timeout (seconds to wait for the agent), report
# (bans, the default, or attempts: see below) and jailname (with report=attempts).
#
# Received bans must land in a jail WITHOUT this action (a receive-only jail), or every host that
# receives a ban announces it again.
#
# report=attempts turns it into the reporter of a sensor jail (maxretry = 1, this action only; see
# jail.d/fail2ban-cluster.conf.example and docs/fleet-ban.md): each failure the jail finds is handed to the
# agent as "jail=<jailname>, action=attempt, ip=..., source=..., failures=N" for the fleet to count
# (fleet_ban), and the address is let go from the sensor jail at once, so its next failure is reported
# too. Nothing is banned and unbans report nothing. jailname (default: the jail's own name) is the jail
# the fleet counts for: the one whose receive jail a fleet ban lands in (sshd for sshd-cluster). With no
# agent to take a report it is dropped with a warning: starting the client per failure would hold
# fail2ban up during the very attack it is counting.

import socket
import subprocess

from fail2ban.server.actions import ActionBase
from fail2ban.server.ipdns import DNSUtils


class Fail2banClusterAction(ActionBase):
	"""Hands each ban and unban to fail2ban-clusterd's outbox; falls back to the client."""

	def __init__(self, jail, name, socket="/run/fail2ban-cluster/control.sock", channel="Fail2ban",
			source=None, config="/etc/fail2ban-cluster.yml", client="fail2ban-cluster-client", timeout="5",
			report="bans", jailname=None):
		super(Fail2banClusterAction, self).__init__(jail, name)
		if report not in ("bans", "attempts"):
			raise ValueError("fail2ban-cluster: report must be bans or attempts, not %r" % report)
		self.attempts = report == "attempts"
		self.jailname = jailname or jail.name
		self.socket = socket
		self.channel = channel
		self.source = source
		self.config = config
		self.client = client
		self.timeout = float(timeout)
		# a restart of fail2ban restores its bans from its database: they were announced when made
		self.norestored = 1

	def start(self):
		pass

	def stop(self):
		pass

	def flush(self):
		# stopping fail2ban (or a jail) must not unban the address on every other host
		return True

	def ban(self, aInfo):
		if self.attempts:
			self._report(aInfo)
		else:
			self._publish("banip", aInfo)

	def unban(self, aInfo):
		if not self.attempts:
			self._publish("unbanip", aInfo)

	def _report(self, aInfo):
		ip = aInfo["ip"]
		message = "jail=%s, action=attempt, ip=%s, source=%s, failures=%d" % (
			self.jailname, ip, self._source(), max(1, int(aInfo["failures"] or 1)))
		problem = self._hand_over(message)
		if problem is None:
			self._logSys.debug("fail2ban-cluster: reported: %s", message)
		else:
			self._logSys.warning("fail2ban-cluster: %s; attempt of %s not reported", problem, ip)
		# let the address go from the sensor jail now: while it stayed banned there, fail2ban would take
		# its next failures for "already banned" and report nothing
		self._jail.actions.removeBannedIP(ip, db=False, ifexists=True)

	def _source(self):
		return self.source or str(DNSUtils.getHostname(fqdn=True))

	def _publish(self, action, aInfo):
		message = "jail=%s, action=%s, ip=%s, source=%s" % (self._jail.name, action, aInfo["ip"], self._source())
		if action == "banip":
			# as the .conf action: bantime on bans only (-1 is a permanent ban)
			message += ", bantime=%d" % int(aInfo["bantime"])
		problem = self._hand_over(message)
		if problem is None:
			self._logSys.debug("fail2ban-cluster: handed to the agent: %s", message)
			return
		# an agent without an outbox refuses publish as an unknown command: expected, not alarming
		log = self._logSys.info if "unknown command" in problem else self._logSys.warning
		log("fail2ban-cluster: %s; publishing with %s instead", problem, self.client)
		self._run_client(message)

	def _hand_over(self, message):
		"""None when the agent has the message on disk; else why not."""
		request = ("publish %s %s\n" % (self.channel, message)).encode("utf-8")
		try:
			with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
				s.settimeout(self.timeout)
				s.connect(self.socket)
				s.sendall(request)
				reply = b""
				while not reply.endswith(b"\n\n"):
					chunk = s.recv(4096)
					if not chunk:
						break
					reply += chunk
		except (OSError, socket.timeout) as e:
			return "no agent answers on %s (%s)" % (self.socket, e)
		status = reply.decode("utf-8", "replace").split("\n", 1)[0]
		if status == "ok":
			return None
		return "the agent did not take it (%s)" % (status or "no answer")

	def _run_client(self, message):
		command = [self.client, "publish", "--config", self.config, "-c", self.channel, "-m", message]
		try:
			done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
				stderr=subprocess.PIPE, timeout=60)
		except (OSError, subprocess.TimeoutExpired) as e:
			raise RuntimeError("fail2ban-cluster: %s failed: %s" % (self.client, e))
		if done.returncode != 0:
			raise RuntimeError("fail2ban-cluster: %s exited %d: %s" % (
				self.client, done.returncode, done.stderr.decode("utf-8", "replace").strip()))


Action = Fail2banClusterAction
