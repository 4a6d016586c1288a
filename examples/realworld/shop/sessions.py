"""Sessions: state kept per session id after the session has closed.

Source: cowrie issue #40492, "`dshield` output plugin leaks memory:
`session_state` entries are never removed",
https://github.com/cowrie/cowrie/issues/40492 -- "Every session that ever
connects ... adds one entry to this dict that then lives for the entire process
lifetime". Here: the state is read when the session closes, and left in the dict.
"""

session_state = {}


class SessionState:
    def __init__(self, session_id):
        self.session_id = session_id
        self.commands = []
        self.logged_in = False


def _state(session_id):
    st = session_state.get(session_id)
    if st is None:
        st = session_state[session_id] = SessionState(session_id)
    return st


def event(session_id, kind, data=None):
    st = _state(session_id)
    if kind == "login":
        st.logged_in = True
    elif kind == "command":
        st.commands.append(data)
    elif kind == "closed":
        return len(st.commands)   # the bug: session_state[session_id] is not deleted
    return None
