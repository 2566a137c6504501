"""Every user-facing string of withUs, in Korean (default) and English.

The catalogue is two gettext files, ``locales/ko/LC_MESSAGES/messages.po`` and
``locales/en/LC_MESSAGES/messages.po``, read with babel at start (no compile step).
``msgid`` is a stable key, ``msgstr`` the text; a domain error's key is
``error.<code>`` (its stable ``code``). Add a key to BOTH files (a test checks
that ``ko`` and ``en`` have the same keys and that every key is used in the code).

Templates are ``str.format`` with named fields. A Korean particle is never written
as "을(를)": name it in the field's spec and the right form follows the word::

    msgid "form.required"
    msgstr "{field:을} 입력해 주세요."        # 제목을 입력해 주세요 / 사유를 입력해 주세요

Pairs: 을/를, 이/가, 은/는, 과/와, 으로/로 (로 after ㄹ), 아/야 (``withus.i18n.korean``).

How each layer uses it
----------------------
* **A page or a component** (static React; the text must follow the locale in the
  browser)::

      from withus.i18n.ui import tr
      rx.heading(tr("home.title"))
      rx.button(tr("club.join"), aria_label=tr("club.join_aria", name=ClubState.name))

  ``tr`` returns a string Var (``is_en ? "…" : "…"``); params may be Vars (no particle
  specs with Var params: format those in the state).
* **A state handler** (toast, a formatted text var, a view row): the event's reader is known
  (``withus.i18n.reader``, set before every event by ``ReaderMiddleware``)::

      from withus.i18n.reader import here
      return rx.toast.success(here("club.joined"))

  Dates and times: ``withus.i18n.dates`` (per locale, Korean time, the zone named when the
  browser's is not Korea's).

* **A service** does not know the reader: it raises with a lazy message, which is a
  ``str`` (the Korean text) that the edge renders again in the reader's language::

      raise Conflict(code="club_full")                         # detail = error.club_full
      raise ValidationFailed.field("title", Msg("form.required", field=Msg("field.title")))

  Mail is written in the recipient's ``users.locale``: ``t("mail.code.subject", user.locale)``.
  A notification's title and body are ``Msg`` (a time as ``When``): stored with the row and
  rendered when read, in each reader's language (``withus.services.notifications``).
* **The API**: problem details (``title``, ``detail``, ``errors[].message``) follow
  ``Accept-Language`` (``api/problems.py`` calls :func:`localize`); ``code`` never changes.

Locale: the ``withus_locale`` cookie (visitors) / ``users.locale`` (logged in),
first guessed from ``Accept-Language`` (:func:`negotiate`).
"""

from withus.i18n.catalog import DEFAULT_LOCALE, LOCALES, Locale, has_key, keys, normalize, t
from withus.i18n.korean import particle, with_particle
from withus.i18n.lazy import Msg, When, localize
from withus.i18n.negotiate import negotiate

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "Locale",
    "Msg",
    "When",
    "has_key",
    "keys",
    "localize",
    "negotiate",
    "normalize",
    "particle",
    "t",
    "with_particle",
]
