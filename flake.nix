{
  description = "Pigeon: self-hosted webhook delivery";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in {
      packages = forAll (pkgs: rec {
        pigeon = pkgs.buildNpmPackage {
          pname = "pigeon";
          version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
          src = ./.;
          nodejs = pkgs.nodejs_20;
          # Set from the first `nix build` (it prints the expected hash); see README "Nix".
          npmDepsHash = pkgs.lib.fakeHash;
          npmBuildScript = "build";
          postInstall = ''
            cp -r migrations $out/lib/node_modules/pigeon-webhooks/
          '';
          meta.mainProgram = "pigeon";
        };
        default = pigeon;
        container = pkgs.dockerTools.buildLayeredImage {
          name = "pigeon";
          tag = "latest";
          contents = [ pigeon pkgs.cacert ];
          config = {
            Entrypoint = [ "${pigeon}/bin/pigeon" ];
            Cmd = [ "serve" ];
            ExposedPorts."3000/tcp" = { };
            User = "65534:65534";
            Env = [ "PIGEON_DATA_DIR=/tmp/pigeon" ];
          };
        };
      });

      devShells = forAll (pkgs: {
        default = pkgs.mkShell { packages = [ pkgs.nodejs_20 pkgs.postgresql_15 ]; };
      });
    };
}
