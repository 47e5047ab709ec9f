// libarchive converts names between the locale's charset and the UTF-8 that pax headers hold;
// in the C locale any non-ASCII name fails. Image file names are UTF-8 bytes, so tar work runs
// with this thread (only) switched to C.UTF-8: the process locale is left alone.
#pragma once

#include <locale.h>

namespace gantry::exporter {

class Utf8Locale {
 public:
  Utf8Locale() : locale_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0))) {}
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;
  ~Utf8Locale() {
    if (locale_) ::freelocale(locale_);
  }

  // Makes the calling thread use C.UTF-8 until the scope ends (a no-op if it is missing).
  class Scope {
   public:
    explicit Scope(const Utf8Locale& l) : previous_(l.locale_ ? ::uselocale(l.locale_) : static_cast<locale_t>(0)) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() {
      if (previous_) ::uselocale(previous_);
    }

   private:
    locale_t previous_;
  };

 private:
  locale_t locale_;
};

}  // namespace gantry::exporter
