#include "exporter/output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/error.h"

namespace gantry::exporter {

OutputFile::OutputFile(std::filesystem::path dest) : dest_(std::move(dest)) {
  const std::filesystem::path parent = dest_.has_parent_path() ? dest_.parent_path() : ".";
  std::string tmpl = (parent / ("." + dest_.filename().string() + ".tmp-XXXXXX")).string();
  fd_.reset(::mkstemp(tmpl.data()));
  if (!fd_) throw_errno("create `" + dest_.string() + "`");
  temp_ = tmpl;
}

OutputFile::~OutputFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void OutputFile::commit() {
  if (::fchmod(fd_.get(), 0644) != 0) throw_errno("chmod `" + temp_.string() + "`");
  if (::fsync(fd_.get()) != 0) throw_errno("fsync `" + temp_.string() + "`");
  fd_.reset();
  if (::rename(temp_.c_str(), dest_.c_str()) != 0) throw_errno("rename into place `" + dest_.string() + "`");
  committed_ = true;
}

}  // namespace gantry::exporter
