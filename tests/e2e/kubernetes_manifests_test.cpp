// deploy/kubernetes/ cannot drift from gantry: every manifest is valid YAML of Kubernetes
// objects, the StatefulSet's `gantry daemon` command line (with the ConfigMap's config file) is
// one `gantry daemon --validate` accepts, and the files, ports and names it refers to are the
// ones the Secret, ConfigMap, volumes and Services give. There is no cluster here: this is what
// can be checked without one.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

const fs::path kManifests = fs::path(GANTRY_SOURCE_DIR) / "deploy" / "kubernetes";

// Every object of every manifest, by "Kind/name".
std::map<std::string, YAML::Node> objects() {
  std::map<std::string, YAML::Node> out;
  for (const auto& entry : fs::directory_iterator(kManifests)) {
    if (entry.path().extension() != ".yaml") continue;
    for (const YAML::Node& doc : YAML::LoadAllFromFile(entry.path().string())) {
      const std::string where = entry.path().filename().string();
      EXPECT_TRUE(doc["apiVersion"].IsScalar()) << where;
      EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(""), "gantry") << where;
      const std::string key =
          doc["kind"].as<std::string>() + "/" + doc["metadata"]["name"].as<std::string>();
      EXPECT_TRUE(out.emplace(key, doc).second) << where << ": " << key << " twice";
    }
  }
  return out;
}

std::string after(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  ADD_FAILURE() << flag << " is not on the command line";
  return "";
}

TEST(KubernetesManifests, AreKubernetesObjectsInYaml) {
  const auto all = objects();
  for (const char* key :
       {"StatefulSet/gantry", "Service/gantry", "Service/gantry-replicas", "Secret/gantry-tls",
        "ConfigMap/gantry-config", "Deployment/cache-registry", "Service/cache-registry"})
    EXPECT_TRUE(all.count(key)) << key << " is missing";
}

TEST(KubernetesManifests, TheDaemonsCommandLineIsOneGantryAccepts) {
  const auto all = objects();
  ASSERT_TRUE(all.count("StatefulSet/gantry"));
  const YAML::Node pod = all.at("StatefulSet/gantry")["spec"]["template"]["spec"];
  const YAML::Node container = pod["containers"][0];
  auto argv = container["command"].as<std::vector<std::string>>();
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv[0], "gantry");
  EXPECT_TRUE(container["securityContext"]["privileged"].as<bool>(false));

  // What each volume mount gives the container: a path and the names of the files there.
  std::map<std::string, std::set<std::string>> files_in;  // mount path -> file names
  std::string config_path, store_path;
  for (const auto& mount : container["volumeMounts"]) {
    const std::string name = mount["name"].as<std::string>(),
                      path = mount["mountPath"].as<std::string>();
    std::optional<YAML::Node> found;
    for (const auto& v : pod["volumes"])
      if (v["name"].as<std::string>() == name) found = static_cast<const YAML::Node&>(v);
    if (!found) {  // a volumeClaimTemplate's
      store_path = path;
      continue;
    }
    const YAML::Node& volume = *found;
    if (volume["secret"]) {
      const std::string secret = "Secret/" + volume["secret"]["secretName"].as<std::string>();
      ASSERT_TRUE(all.count(secret)) << secret;
      for (const auto& item : all.at(secret)["stringData"])
        files_in[path].insert(item.first.as<std::string>());
    } else if (volume["configMap"]) {
      const std::string map = "ConfigMap/" + volume["configMap"]["name"].as<std::string>();
      ASSERT_TRUE(all.count(map)) << map;
      ASSERT_TRUE(all.at(map)["data"][mount["subPath"].as<std::string>()]) << path;
      config_path = path;
    }
  }
  EXPECT_EQ(after(argv, "--root"), store_path);
  ASSERT_EQ(after(argv, "--config"), config_path);
  for (const char* flag : {"--tlscacert", "--tlscert", "--tlskey"}) {
    const fs::path file = after(argv, flag);
    EXPECT_TRUE(files_in[file.parent_path().string()].count(file.filename().string()))
        << flag << " " << file << " is not a file of a mounted Secret";
  }

  // The port the daemon listens on is the container's, which the Services send to.
  const std::string host = after(argv, "-H");
  const auto port = container["ports"][0];
  EXPECT_EQ(host.substr(host.rfind(':') + 1), port["containerPort"].as<std::string>());
  for (const char* service : {"Service/gantry", "Service/gantry-replicas"})
    EXPECT_EQ(all.at(service)["spec"]["ports"][0]["targetPort"].as<std::string>(),
              port["name"].as<std::string>());
  EXPECT_EQ(all.at("StatefulSet/gantry")["spec"]["serviceName"].as<std::string>(),
            "gantry-replicas");

  // gantry itself reads the command line, with the ConfigMap's config file where it is mounted.
  GantryEnv env;
  const fs::path config = env.scratch() / "config.yaml";
  write_file_atomic(config,
                    all.at("ConfigMap/gantry-config")["data"]["config.yaml"].as<std::string>());
  argv.erase(argv.begin());
  for (auto& arg : argv)
    if (arg == config_path)
      arg = config.string();
    else if (arg == store_path)
      arg = env.root().string();
  argv.insert(std::find(argv.begin(), argv.end(), "daemon") + 1, "--validate");
  const Outcome o = run_command([&] {
    std::vector<std::string> command{GANTRY_BINARY};
    command.insert(command.end(), argv.begin(), argv.end());
    return command;
  }());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "configuration OK\n");
}

}  // namespace
}  // namespace gantry::e2e
