fn main() {
    nnlab_experiments::init::main();
}
