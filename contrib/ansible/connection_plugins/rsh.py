# rsh.py: an Ansible connection plugin that reaches hosts through the rsh
# client of this repository (rsh/ in the source tree).
#
# Every operation is one run of the rsh binary: a command is a shell
# command line given to rsh (which runs it with sh -c on the server, as
# ssh runs it with the account's shell); files travel with rcp (the same
# binary run under that name, rcp -p: modes and times kept), through
# rshd's copy helper, so nothing but rshd is needed on the managed host.
#
# SPDX-License-Identifier: GPL-3.0-or-later (as Ansible itself)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = '''
    name: rsh
    short_description: run commands and move files through the rsh client
    description:
        - Runs each command, upload and download as one invocation of the
          C(rsh) client against the host's C(rshd).
        - The remote account is the one the key is bound to in the server's
          keys file (its C(user=) option); C(remote_user) is not used.
        - Files travel with C(rcp -p) (the rsh binary run as rcp, through
          rshd's copy helper), so a file's mode and time are kept both ways;
          they are binary safe, never held in memory whole, and land under a
          temporary name renamed into place once whole.
        - Options in C(rsh_extra_args) are rsh's, which rcp does not take;
          with them set, files go through the command's standard input and
          output instead (C(cat > DEST), C(cat < SRC)), modes not kept.
        - Privilege escalation (become) works as with the ssh plugin when it
          needs no password (sudo with NOPASSWD, su from root, doas with
          nopass). rsh gives a command no terminal here, so become methods
          that prompt for a password are refused with an error.
    author: rsh project
    extends_documentation_fragment:
        - connection_pipelining
    notes:
        - rsh exits 255 when it fails itself (cannot connect, authentication,
          lost connection); a 255 with an C(rsh:) message on standard error is
          reported as the host being unreachable, as the ssh plugin does. A
          remote command that itself exits 255 and prints such a line is
          indistinguishable.
    options:
      host:
        description: Host name or address to connect to.
        default: inventory_hostname
        vars:
          - name: inventory_hostname
          - name: ansible_host
          - name: ansible_rsh_host
          - name: delegated_vars['ansible_host']
      port:
        description:
          - rshd's port. Unset leaves it to rsh (its configuration file, then 2222).
        type: int
        ini:
          - section: defaults
            key: remote_port
        env:
          - name: ANSIBLE_REMOTE_PORT
        vars:
          - name: ansible_port
          - name: ansible_rsh_port
        keyword:
          - name: port
      rsh_key:
        description:
          - The rsh key file (a line made by C(rsh --keygen)), passed as C(rsh -k).
          - Unset leaves it to rsh (its configuration file, then C(~/.config/rsh/key)).
        type: path
        ini:
          - section: rsh_connection
            key: key
        env:
          - name: ANSIBLE_RSH_KEY
        vars:
          - name: ansible_rsh_key
          - name: rsh_key
      rsh_executable:
        description:
          - The rsh client to run.
          - Unset, C(rsh.psk) on the PATH (the name the Debian package gives
            it, beside Debian's BSD C(rsh) that pdsh pulls in), else C(rsh).
          - Whichever it is must answer C(-V) as this rsh does; a BSD rsh
            is refused with an error that names it.
        type: string
        ini:
          - section: rsh_connection
            key: rsh_executable
        env:
          - name: ANSIBLE_RSH_EXECUTABLE
        vars:
          - name: ansible_rsh_executable
      rsh_extra_args:
        description:
          - More rsh options, split as a shell would split them, placed before
            the host, e.g. C(-o AliveInterval=5 --retry 3).
        type: string
        default: ''
        ini:
          - section: rsh_connection
            key: rsh_extra_args
        env:
          - name: ANSIBLE_RSH_EXTRA_ARGS
        vars:
          - name: ansible_rsh_extra_args
      timeout:
        description: Limit in seconds for connecting and the handshake (rsh --connect-timeout).
        type: int
        default: 10
        ini:
          - section: defaults
            key: timeout
        env:
          - name: ANSIBLE_TIMEOUT
        vars:
          - name: ansible_rsh_timeout
        cli:
          - name: timeout
'''

import os
import shlex
import shutil
import subprocess

from ansible.errors import (AnsibleConnectionFailure, AnsibleError,
                            AnsibleFileNotFound)
from ansible.module_utils._text import to_bytes, to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()

# rsh's exit status for its own failures (README, "Exit status").
RSH_FAILED = 255

# The names this rsh goes by: the Debian package's first, since where both
# are installed /usr/bin/rsh is BSD's (update-alternatives).
RSH_NAMES = ('rsh.psk', 'rsh')

# Executables already checked with -V, for this Ansible process.
_checked = {}


def _find_rsh(configured):
    """The rsh to run: configured, else the first of RSH_NAMES on the PATH;
    checked once with -V to be this rsh, not BSD's (which has no -V)."""
    candidates = [configured] if configured else list(RSH_NAMES)
    tried = []
    for name in candidates:
        path = name if os.sep in name else shutil.which(name)
        if path is None:
            tried.append('%s: not found' % name)
            continue
        if path not in _checked:
            try:
                p = subprocess.run([path, '-V'], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=10)
                _checked[path] = (p.returncode == 0 and
                                  p.stdout.startswith(b'rsh ') and
                                  b'(protocol 1)' in p.stdout)
            except (OSError, subprocess.TimeoutExpired):
                _checked[path] = False
        if _checked[path]:
            return path
        tried.append('%s is not the rsh of rshd (its -V does not say '
                     '"rsh VERSION (protocol 1)"; a BSD rsh?)' % path)
    raise AnsibleError("rsh connection: no usable rsh client: %s; install "
                       "it (its Debian package names it rsh.psk) or set "
                       "ansible_rsh_executable" % '; '.join(tried))


class Connection(ConnectionBase):
    ''' Commands and files through the rsh client '''

    transport = 'rsh'
    has_pipelining = True
    # No terminal: a become method that prompts cannot be answered.
    has_tty = False

    def _connect(self):
        # Each operation is its own rsh run; there is nothing to keep open.
        self._connected = True
        return self

    def _rsh_argv(self, remote_cmd, no_stdin):
        """The rsh command line that runs the shell command line remote_cmd."""
        argv = [_find_rsh(self.get_option('rsh_executable')), '-T']
        if no_stdin:
            argv.append('-n')
        argv += self._target_args('-p', ['--connect-timeout', '%d'])
        argv += self._split_ssh_args(self.get_option('rsh_extra_args') or '')
        argv += ['--', self.get_option('host'), remote_cmd]
        return [to_bytes(a, errors='surrogate_or_strict') for a in argv]

    def _target_args(self, port_flag, timeout_args):
        """The port (after port_flag), key and connect timeout (into
        timeout_args' '%d') options, those that are set."""
        argv = []
        port = self.get_option('port')
        if port:
            argv += [port_flag, str(port)]
        key = self.get_option('rsh_key')
        if key:
            argv += ['-k', key]
        timeout = self.get_option('timeout')
        if timeout:
            argv += [a.replace('%d', str(int(timeout))) for a in timeout_args]
        return argv

    def _rcp_argv(self, src, dest):
        """The rcp -p command line that copies src to dest (one of them
        host:path): the rsh binary, run under the name rcp."""
        argv = ['rcp', '-p', '-q']
        argv += self._target_args('-P', ['-o', 'ConnectTimeout=%d'])
        argv += ['--', src, dest]
        return [to_bytes(a, errors='surrogate_or_strict') for a in argv]

    def _remote(self, path):
        """host:path for rcp; an IPv6 address in brackets."""
        host = self.get_option('host')
        return ('[%s]:%s' if ':' in host else '%s:%s') % (host, path)

    @staticmethod
    def _local(path):
        """A local path that rcp cannot take for host:path."""
        return path if path.startswith('/') else './' + path

    def _rcp(self, src, dest):
        """Runs rcp -p src dest; returns (returncode, stderr bytes)."""
        # rcp is rsh under another name: it looks at argv[0].
        rc, _, err = self._spawn(self._rcp_argv(src, dest), None,
                                 subprocess.DEVNULL,
                                 _find_rsh(self.get_option('rsh_executable')))
        return (rc, err)

    def _run(self, remote_cmd, stdin, stdout, in_data=None):
        """Runs rsh with stdin (a file, or None: in_data or nothing) and
        stdout (a file or PIPE); returns (returncode, stdout bytes or None,
        stderr bytes)."""
        if in_data is not None:
            stdin = subprocess.PIPE
        # Nothing to send: -n tells the server so at once.
        return self._spawn(self._rsh_argv(remote_cmd, stdin is None), stdin,
                           stdout, None, in_data)

    def _spawn(self, argv, stdin, stdout, executable, in_data=None):
        """Runs argv (from executable, when not None) as _run says; an
        rsh failure of its own is the host being unreachable."""
        display.vvv(u"RSH: EXEC {0}".format(
            u' '.join(shlex.quote(to_text(a)) for a in argv)),
            host=self.get_option('host'))
        try:
            p = subprocess.Popen(argv, executable=executable,
                                 stdin=subprocess.DEVNULL if stdin is None
                                 else stdin,
                                 stdout=stdout, stderr=subprocess.PIPE)
        except OSError as e:
            raise AnsibleError("rsh connection: cannot run %s: %s" %
                               (to_native(executable or argv[0]),
                                to_native(e)))
        out, err = p.communicate(in_data)
        if p.returncode == RSH_FAILED and self._rsh_failed(err):
            raise AnsibleConnectionFailure(
                "Failed to connect to the host via rsh: %s" %
                to_native(err.strip()))
        return (p.returncode, out, err)

    @staticmethod
    def _rsh_failed(stderr):
        """rsh's own failure: its last line of stderr is an rsh: message."""
        lines = stderr.strip().splitlines()
        return bool(lines) and lines[-1].startswith(b'rsh: ')

    def exec_command(self, cmd, in_data=None, sudoable=True):
        ''' run a command on the remote host '''
        super(Connection, self).exec_command(cmd, in_data=in_data,
                                             sudoable=sudoable)
        if sudoable and self.become and self.become.expect_prompt():
            raise AnsibleError(
                "rsh connection: become method '%s' wants a password, which "
                "rsh cannot answer without a terminal; allow it without one "
                "(e.g. sudo NOPASSWD)" % self.become.name)
        return self._run(to_text(cmd, errors='surrogate_or_strict'), None,
                         subprocess.PIPE, in_data=in_data)

    def put_file(self, in_path, out_path):
        ''' copy a local file to the remote host with rcp -p '''
        super(Connection, self).put_file(in_path, out_path)
        display.vvv(u"PUT {0} TO {1}".format(in_path, out_path),
                    host=self.get_option('host'))
        if not os.path.exists(to_bytes(in_path,
                                       errors='surrogate_or_strict')):
            raise AnsibleFileNotFound("file or module does not exist: %s" %
                                      to_native(in_path))
        if self.get_option('rsh_extra_args'):
            rc, err = self._put_cat(in_path, out_path)
        else:
            rc, err = self._rcp(self._local(in_path),
                                self._remote(out_path))
        self._copied('transfer', in_path, out_path, rc, err)

    @staticmethod
    def _copied(verb, in_path, out_path, rc, err):
        """A copy ended with rc: an error unless 0."""
        if rc != 0:
            raise AnsibleError("rsh connection: failed to %s %s to %s "
                               "(exit %d): %s" %
                               (verb, to_native(in_path), to_native(out_path),
                                rc, to_native(err.strip())))

    def _put_cat(self, in_path, out_path):
        """put_file through rsh's stdin (cat > DEST): (rc, stderr)."""
        try:
            src = open(to_bytes(in_path, errors='surrogate_or_strict'), 'rb')
        except OSError as e:
            raise AnsibleError("rsh connection: cannot read %s: %s" %
                               (to_native(in_path), to_native(e)))
        with src:
            rc, _, err = self._run('cat > %s' % shlex.quote(out_path), src,
                                   subprocess.DEVNULL)
        return (rc, err)

    def fetch_file(self, in_path, out_path):
        ''' copy a remote file to the local host with rcp -p '''
        super(Connection, self).fetch_file(in_path, out_path)
        display.vvv(u"FETCH {0} TO {1}".format(in_path, out_path),
                    host=self.get_option('host'))
        if self.get_option('rsh_extra_args'):
            rc, err = self._fetch_cat(in_path, out_path)
        else:
            # rcp writes the file whole under a temporary name and renames
            # it: a failed copy leaves nothing to remove.
            rc, err = self._rcp(self._remote(in_path),
                                self._local(out_path))
        self._copied('fetch', in_path, out_path, rc, err)

    def _fetch_cat(self, in_path, out_path):
        """fetch_file through rsh's stdout (cat < SRC): (rc, stderr)."""
        b_out = to_bytes(out_path, errors='surrogate_or_strict')
        try:
            dst = open(b_out, 'wb')
        except OSError as e:
            raise AnsibleError("rsh connection: cannot write %s: %s" %
                               (to_native(out_path), to_native(e)))
        with dst:
            rc, _, err = self._run('cat < %s' % shlex.quote(in_path),
                                   None, dst)
        if rc != 0:
            # A partial copy must not pass for the file.
            os.unlink(b_out)
        return (rc, err)

    def close(self):
        ''' nothing stays open between operations '''
        self._connected = False
