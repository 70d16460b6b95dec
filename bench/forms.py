"""Read an HTML form the way a browser would, so the soak and the upload measure
post the real forms (CSRF token, hidden fields, first choice of each select)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: dict[str, str] = field(default_factory=dict)
    text_fields: list[str] = field(default_factory=list)  # text inputs, textareas
    file_fields: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # select / radio


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""),
                a.get("method", "get").lower(),
                a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or ("name" not in a and tag != "option"):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind == "file":
                form.file_fields.append(name)
            elif kind in ("radio", "checkbox"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            else:
                form.fields[name] = a.get("value", "")
                if kind in ("text", "search", "") and name != "csrfmiddlewaretoken":
                    form.text_fields.append(name)
        elif tag == "button" and a.get("type", "submit") == "submit":
            # A named submit button (e.g. rating 1-4) is a choice like a radio.
            form.choices.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""
            form.text_fields.append(name)
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if value:
                form.choices.setdefault(self._select, []).append(value)
            if "selected" in a:
                form.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data


def forms_in(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


# Forms every page carries in its navigation bar: never the one a user means.
CHROME_ACTIONS = ("/accounts/logout/", "/centres/switch/")


def post_form(html: str, *, needs: str = "") -> Form | None:
    """The page's own first POST form (whose action contains `needs`, when given),
    skipping the navigation bar's sign-out and centre-switch forms."""
    for form in forms_in(html):
        if form.method != "post" or any(a in form.action for a in CHROME_ACTIONS):
            continue
        if needs in form.action:
            return form
    return None
